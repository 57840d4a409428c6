using Bucketfs.Fuse.Protocol;

namespace Bucketfs.MemoryFs;

/// <summary>An inode of the in-memory filesystem: attributes plus the data of its kind.</summary>
internal sealed class MemoryNode
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;

    public MemoryNode(ulong id, uint mode, uint uid, uint gid)
    {
        Id = id;
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Atime = Mtime = Ctime = UnixTime.Now;
        if (IsDirectory) Children = new Dictionary<string, MemoryNode>(StringComparer.Ordinal);
        else if (IsRegular) Content = new FileContent();
    }

    public ulong Id { get; }
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public uint Rdev;
    public UnixTime Atime, Mtime, Ctime;
    public byte[] SymlinkTarget = [];
    public readonly Dictionary<string, byte[]> Xattrs = new(StringComparer.Ordinal);

    /// <summary>References the kernel holds from LOOKUP-like replies; FORGET gives them back.</summary>
    public ulong Lookups;
    public int OpenHandles;
    public MemoryNode? Parent;
    public int Subdirectories;

    /// <summary>Names, decoded as Latin-1 so every byte string maps to exactly one key.</summary>
    public Dictionary<string, MemoryNode>? Children { get; }
    public FileContent? Content { get; }

    public bool IsDirectory => (Mode & TypeMask) == Directory;
    public bool IsRegular => (Mode & TypeMask) == Regular;
    public bool IsLinked => Parent != null || Id == 1;

    public long Size => Content?.Length ?? (IsDirectory ? 4096 : SymlinkTarget.Length);

    public void Attach(string name, MemoryNode child)
    {
        Children!.Add(name, child);
        child.Parent = this;
        if (child.IsDirectory) Subdirectories++;
        Touch();
    }

    public void Detach(string name, MemoryNode child)
    {
        Children!.Remove(name);
        child.Parent = null;
        if (child.IsDirectory) Subdirectories--;
        Touch();
        child.Touch(modified: false);
    }

    public void Touch(bool modified = true)
    {
        var now = UnixTime.Now;
        Ctime = now;
        if (modified) Mtime = now;
    }

    public FuseAttr Attributes()
    {
        var attr = new FuseAttr
        {
            Ino = Id,
            Size = (ulong)Size,
            Blocks = (ulong)(Size + 511) / 512,
            Mode = Mode,
            Nlink = IsDirectory ? 2u + (uint)Subdirectories : 1u,
            Uid = Uid,
            Gid = Gid,
            Rdev = Rdev,
            BlkSize = 4096,
        };
        attr.SetAtime(Atime);
        attr.SetMtime(Mtime);
        attr.SetCtime(Ctime);
        return attr;
    }
}
