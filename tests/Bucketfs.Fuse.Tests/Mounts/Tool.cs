using System.Diagnostics;
using System.Text;

namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>Runs ordinary command-line tools with a time bound; a tool that overruns is killed by PID.</summary>
internal static class Tool
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result Ok()
        {
            Assert.True(ExitCode == 0, $"exit {ExitCode}: {Stderr}{Stdout}");
            return this;
        }
    }

    public static Result Run(string program, params string[] args) => RunIn(null, program, args);

    public static Result RunIn(string? workingDirectory, string program, params string[] args)
    {
        using var process = Start(program, args, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {DefaultTimeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Shell(string script) => Run("/bin/sh", "-c", script);

    public static Process Start(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        if (workingDirectory != null) start.WorkingDirectory = workingDirectory;
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    public static void Signal(int pid, string signal) => Run("kill", "-s", signal, pid.ToString()).Ok();
}
