namespace Bucketfs.Fuse.Tests.Mounts;

/// <summary>
/// An unprivileged system user for mount tests, created on first use, with /dev/fuse opened up to
/// everyone as on desktop distributions (0666) so it can mount through fusermount3.
/// </summary>
internal sealed class ThrowawayUser
{
    public const string Name = "bucketfs-test";
    private static readonly Lazy<ThrowawayUser> Instance = new(Create);

    private ThrowawayUser(uint uid, uint gid)
    {
        Uid = uid;
        Gid = gid;
    }

    public uint Uid { get; }
    public uint Gid { get; }

    public string[] SetprivArguments => [$"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--reset-env"];

    public static ThrowawayUser Get() => Instance.Value;

    /// <summary>Runs a shell command as this user.</summary>
    public Tool.Result Shell(string script) => Tool.Run("setpriv", [.. SetprivArguments, "--", "/bin/sh", "-c", script]);

    private static ThrowawayUser Create()
    {
        if (Tool.Run("id", "-u", Name).ExitCode != 0)
            Tool.Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", Name).Ok();
        File.SetUnixFileMode("/dev/fuse", (UnixFileMode)0x1B6);
        return new ThrowawayUser(
            uint.Parse(Tool.Run("id", "-u", Name).Ok().Stdout.Trim()),
            uint.Parse(Tool.Run("id", "-g", Name).Ok().Stdout.Trim()));
    }
}
