using Bucketfs.Core.Metadata;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// A node the kernel knows by id. Its place changes only when renamed through this mount (the
/// kernel keeps the id); its attributes are the last ones seen, refreshed through the metadata cache.
/// </summary>
internal sealed class Inode(ulong id, ulong parentId, string name, string path, EntryKind kind)
{
    public ulong Id { get; } = id;

    // Changed only by InodeTable under its lock, on rename.
    public ulong ParentId { get; set; } = parentId;
    public string Name { get; set; } = name;

    /// <summary>Path relative to the mount's prefix, without trailing '/' ("" for the root).</summary>
    public string Path { get; set; } = path;

    public EntryKind Kind { get; } = kind;

    /// <summary>Listing prefix of a directory: its path plus '/' ("" for the root).</summary>
    public string DirectoryPrefix => Path.Length == 0 ? "" : Path + "/";

    /// <summary>Listing prefix of the directory holding this node.</summary>
    public string ParentPrefix => Path[..(Path.Length - Name.Length)];

    /// <summary>The latest attributes; replaced whole, so readers need no lock.</summary>
    public volatile EntryAttributes Attributes = EntryAttributes.Directory;

    /// <summary>References the kernel holds (LOOKUP, CREATE, READDIRPLUS entries); FORGET returns them.</summary>
    public long Lookups;

    /// <summary>ETag seen at the previous open: unchanged means the kernel's cached pages are still right.</summary>
    public volatile string? LastOpenedETag;

    /// <summary>The version this mount last stored of the node: handles reading an older one move on to it, as they would on a local disk.</summary>
    public volatile string? StoredETag;
}
