using System.Diagnostics;

namespace Bucketfs.Integration.Tests;

/// <summary>stat(1) of a path as "MODE UID GID MTIME" (octal mode, seconds).</summary>
public static class Stat
{
    public static string Of(string path)
    {
        var start = new ProcessStartInfo("stat", ["-c", "%a %u %g %Y", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill();
        return output;
    }
}
