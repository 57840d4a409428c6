using System.Collections.Concurrent;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Directories this mount made and is filling, as unpacking an archive does: while it keeps
/// creating in one, a name it has not made there is taken as missing without asking the store
/// (each file's LOOKUP before its CREATE would otherwise cost a round trip). Another client may
/// write there too, so this lasts only <see cref="Window"/> past the mount's last creation in
/// the directory (a tenth of the metadata TTL, at most a second; s3fs infers no missing names at
/// all), and such answers are neither cached here nor by the kernel.
/// </summary>
internal sealed class DirectoriesBeingFilled(TimeSpan? metadataTtl, TimeProvider time)
{
    private const int MostTracked = 4096;
    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal);

    public TimeSpan Window { get; } = metadataTtl is { } ttl && ttl / 10 < TimeSpan.FromSeconds(1) ? ttl / 10 : TimeSpan.FromSeconds(1);

    /// <summary>This mount made the directory: it is empty but for what the mount puts there next.</summary>
    public void Made(string prefix)
    {
        if (Window <= TimeSpan.Zero) return;
        if (_until.Count >= MostTracked) DropEnded();
        _until[prefix] = Deadline();
    }

    /// <summary>This mount added a name to the directory: a directory it made stays filled by it a while longer.</summary>
    public void Added(string prefix)
    {
        if (_until.TryGetValue(prefix, out long until)) _until.TryUpdate(prefix, Deadline(), until);
    }

    /// <summary>Whether a name the mount does not know in the directory is surely missing (see the class).</summary>
    public bool Filling(string prefix)
    {
        if (!_until.TryGetValue(prefix, out long until)) return false;
        if (until >= time.GetTimestamp()) return true;
        _until.TryRemove(new KeyValuePair<string, long>(prefix, until));
        return false;
    }

    private long Deadline() => time.GetTimestamp() + (long)(Window.TotalSeconds * time.TimestampFrequency);

    private void DropEnded()
    {
        long now = time.GetTimestamp();
        foreach (var (prefix, until) in _until)
            if (until < now) _until.TryRemove(new KeyValuePair<string, long>(prefix, until));
        if (_until.Count >= MostTracked) _until.Clear();
    }
}
