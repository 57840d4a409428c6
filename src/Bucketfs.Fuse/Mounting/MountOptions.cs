namespace Bucketfs.Fuse.Mounting;

/// <summary>How the filesystem is attached to the directory tree.</summary>
public sealed record MountOptions
{
    public required string Mountpoint { get; init; }

    /// <summary>The source column of `mount` and /proc/mounts.</summary>
    public string FsName { get; init; } = "bucketfs";

    /// <summary>Shown as the type `fuse.SUBTYPE`.</summary>
    public string Subtype { get; init; } = "bucketfs";

    /// <summary>Let the kernel check permissions from the mode bits (recommended).</summary>
    public bool DefaultPermissions { get; init; } = true;

    /// <summary>Let users other than the mounting one in (needs user_allow_other in /etc/fuse.conf when not root).</summary>
    public bool AllowOther { get; init; }

    /// <summary>Let the mounting user and root in, nobody else; enforced by the session, as libfuse does.</summary>
    public bool AllowRoot { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Use fusermount3 even when running as root (how unprivileged users mount).</summary>
    public bool ForceFusermount { get; init; }

    internal string FormatFusermountOptions()
    {
        var options = new List<string> { ReadOnly ? "ro" : "rw", "nosuid", "nodev", $"fsname={Escape(FsName)}", $"subtype={Escape(Subtype)}" };
        AddCommon(options);
        return string.Join(',', options);
    }

    internal string FormatKernelData(int fd, uint uid, uint gid)
    {
        var options = new List<string> { $"fd={fd}", "rootmode=40000", $"user_id={uid}", $"group_id={gid}" };
        AddCommon(options);
        return string.Join(',', options);
    }

    private void AddCommon(List<string> options)
    {
        if (DefaultPermissions) options.Add("default_permissions");
        if (AllowOther || AllowRoot) options.Add("allow_other");
    }

    // fusermount3 splits options on commas; a comma in the name would start a new option.
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,");
}
