namespace Bucketfs.Core.Write;

/// <summary>Disjoint, sorted byte ranges [start, end): which parts of a staged file hold real bytes.</summary>
internal sealed class RangeSet
{
    private readonly List<(long Start, long End)> _ranges = [];

    public IReadOnlyList<(long Start, long End)> Ranges => _ranges;

    public void Add(long start, long end)
    {
        if (end <= start) return;
        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start) i++;
        int j = i;
        while (j < _ranges.Count && _ranges[j].Start <= end)
        {
            start = Math.Min(start, _ranges[j].Start);
            end = Math.Max(end, _ranges[j].End);
            j++;
        }
        _ranges.RemoveRange(i, j - i);
        _ranges.Insert(i, (start, end));
    }

    /// <summary>Forgets everything at or after <paramref name="length"/> (a truncate).</summary>
    public void Truncate(long length)
    {
        for (int i = _ranges.Count - 1; i >= 0; i--)
        {
            if (_ranges[i].Start >= length) _ranges.RemoveAt(i);
            else if (_ranges[i].End > length) _ranges[i] = (_ranges[i].Start, length);
        }
    }

    public bool Contains(long start, long end) => Missing(start, end).Count == 0;

    /// <summary>The parts of [start, end) not in the set.</summary>
    public List<(long Start, long End)> Missing(long start, long end)
    {
        var missing = new List<(long, long)>();
        long position = start;
        foreach (var (s, e) in _ranges)
        {
            if (e <= position) continue;
            if (s >= end) break;
            if (s > position) missing.Add((position, s));
            position = Math.Max(position, e);
            if (position >= end) break;
        }
        if (position < end) missing.Add((position, end));
        return missing;
    }

    /// <summary>Whether any byte of [start, end) is in the set.</summary>
    public bool Overlaps(long start, long end) => _ranges.Any(r => r.Start < end && r.End > start);
}
