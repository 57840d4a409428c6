using Bucketfs.Fuse.Mounting;

namespace Bucketfs.Cli;

/// <summary>
/// Which mounts are bucketfs's own: `mount` and `demo` attach theirs as FUSE subtype "bucketfs",
/// which the mount table shows as type fuse.bucketfs for as long as they are mounted, daemon
/// alive or not.
/// </summary>
internal static class OwnMounts
{
    public const string Subtype = "bucketfs";

    /// <summary>Why `unmount` must leave <paramref name="mountpoint"/> alone, or null when it is a bucketfs mount.</summary>
    public static string? Refusal(string mountpoint)
    {
        if (mountpoint.Length == 0) return "mountpoint '': expected a bucketfs mount";
        string path = Path.GetFullPath(mountpoint);
        return Unmounter.FilesystemTypeAt(path) switch
        {
            null => $"{path} is not a mountpoint",
            "fuse." + Subtype => null,
            var other => $"{path} is not a bucketfs mount (it is {other}); unmount it with umount",
        };
    }
}
