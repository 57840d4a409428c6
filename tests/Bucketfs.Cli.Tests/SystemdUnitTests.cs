using System.Diagnostics;

namespace Bucketfs.Cli.Tests;

/// <summary>The example units in packaging/systemd are valid as systemd reads them, with the command where the unit expects it.</summary>
public sealed class SystemdUnitTests : IDisposable
{
    private readonly DirectoryInfo _units = Directory.CreateTempSubdirectory("bucketfs-units-");

    public void Dispose() => _units.Delete(recursive: true);

    [Fact]
    public async Task ExampleUnitsPassSystemdAnalyzeVerify()
    {
        string examples = Path.Combine(RepositoryRoot(), "packaging", "systemd");
        // Installed, the command is /usr/bin/bucketfs; here it is the one just built.
        string command = Path.Combine(AppContext.BaseDirectory, "bucketfs");
        var names = new List<string>();
        foreach (string unit in Directory.GetFiles(examples))
        {
            names.Add("./" + Path.GetFileName(unit));
            File.WriteAllText(Path.Combine(_units.FullName, Path.GetFileName(unit)), File.ReadAllText(unit).Replace("/usr/bin/bucketfs", command));
        }
        Assert.Contains("./bucketfs-data.service", names);

        var start = new ProcessStartInfo("systemd-analyze") { WorkingDirectory = _units.FullName, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "verify", "--man=no" }.Concat(names)) start.ArgumentList.Add(arg);
        using var verify = Process.Start(start)!;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = verify.StandardOutput.ReadToEndAsync(bound.Token);
        string errors = await verify.StandardError.ReadToEndAsync(bound.Token);
        await verify.WaitForExitAsync(bound.Token);

        Assert.True(verify.ExitCode == 0 && errors.Length == 0, await output + errors);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
            if (Directory.Exists(Path.Combine(folder.FullName, "packaging", "systemd"))) return folder.FullName;
        throw new DirectoryNotFoundException($"no packaging/systemd above {AppContext.BaseDirectory}");
    }
}
