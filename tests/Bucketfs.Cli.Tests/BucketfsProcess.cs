using System.Diagnostics;

namespace Bucketfs.Cli.Tests;

/// <summary>
/// Runs the built bucketfs command as its own process, as a user or mount(8) would, with a time
/// bound, and with no credentials around: a home of its own and no AWS variables.
/// </summary>
internal static class BucketfsProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static Result Run(string home, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bucketfs.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("AWS", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["HOME"] = home;
        // Off EC2 the metadata service is not there; asking it would only add time.
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Bound))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bucketfs {string.Join(' ', args)} did not finish within {Bound.TotalSeconds} s");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>What every error must look like: one line, "bucketfs: " first, naming <paramref name="named"/>, no .NET internals.</summary>
    public static void AssertOneLineError(Result result, int exitCode, string named)
    {
        string output = result.Stdout + result.Stderr;
        Assert.True(result.ExitCode == exitCode, $"exit code {result.ExitCode}, expected {exitCode}: {output}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {result.Stderr}");
        Assert.StartsWith("bucketfs: ", lines[0]);
        Assert.Contains(named, lines[0]);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("System.", output);
    }
}
