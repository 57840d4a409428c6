namespace Bucketfs.Integration.Tests;

/// <summary>
/// mount(8) with -t TYPE, as it mounts an fstab line: for fuse.* types mount.fuse3 runs the program named
/// by the subtype, found on mount(8)'s fixed PATH. No store credentials in the environment: the options carry them.
/// </summary>
internal static class FstabMount
{
    public static Cli.Result Run(string type, string source, string mountpoint, string options) =>
        Cli.Run(null, [], start =>
        {
            start.FileName = "mount";
            start.ArgumentList.Clear();
            foreach (string arg in new[] { "-t", type, source, mountpoint, "-o", options })
                start.ArgumentList.Add(arg);
            foreach (string name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" }) start.Environment.Remove(name);
        });
}
