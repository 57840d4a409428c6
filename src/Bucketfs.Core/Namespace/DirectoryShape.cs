using System.Collections.Concurrent;
using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// What a directory's own object cannot say: how many subdirectories it has (its link count, 2 plus
/// those, as ext4 and s3fs show it; known once listed whole) and when this mount last created,
/// removed or renamed an entry in it (its mtime and ctime move then, as tar, make and rsync expect).
/// Kept in the mount only, for its life, within a bound.
/// </summary>
internal sealed class DirectoryShape(TimeProvider time)
{
    private const int MostDirectories = 100_000;
    private readonly ConcurrentDictionary<string, int> _subdirectories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnixTime> _changed = new(StringComparer.Ordinal);

    /// <summary>A whole listing of the directory showed this many subdirectories.</summary>
    public void Listed(string prefix, int subdirectories)
    {
        if (_subdirectories.Count >= MostDirectories) _subdirectories.Clear();
        _subdirectories[prefix] = subdirectories;
    }

    /// <summary>This mount made (+1) or removed (-1) a subdirectory.</summary>
    public void Subdirectories(string prefix, int change)
    {
        if (_subdirectories.TryGetValue(prefix, out int count)) _subdirectories.TryUpdate(prefix, Math.Max(0, count + change), count);
    }

    /// <summary>Entries moved in or out in a way not counted: the count is known again at the next whole listing.</summary>
    public void Uncounted(string prefix) => _subdirectories.TryRemove(prefix, out _);

    /// <summary>This mount created, removed or renamed an entry of the directory now.</summary>
    public void Changed(string prefix)
    {
        if (_changed.Count >= MostDirectories) _changed.Clear();
        _changed[prefix] = UnixTime.FromDateTimeOffset(time.GetUtcNow());
    }

    /// <summary>The directory's own times were just stored (utimens, chmod): they are what it shows from now on.</summary>
    public void TimesStored(string prefix) => _changed.TryRemove(prefix, out _);

    /// <summary>The directory's attributes with what this mount knows beyond its marker.</summary>
    public FuseAttr Shown(string prefix, FuseAttr attr)
    {
        if (_subdirectories.TryGetValue(prefix, out int subdirectories)) attr.Nlink = 2 + (uint)subdirectories;
        if (_changed.TryGetValue(prefix, out var changed) && (ulong)changed.Seconds * 1_000_000_000 + changed.Nanoseconds > attr.Mtime * 1_000_000_000 + attr.MtimeNsec)
        {
            attr.SetMtime(changed);
            attr.SetCtime(changed);
        }
        return attr;
    }
}
