namespace Bucketfs.Fuse.Mounting;

/// <summary>This process's view of what is mounted where, from /proc/self/mountinfo.</summary>
internal static class MountTable
{
    /// <summary>The "major:minor" device of the mount sitting exactly on <paramref name="mountpoint"/>, or null.</summary>
    public static string? DeviceAt(string mountpoint) => EntryAt(mountpoint)?[2];

    /// <summary>The filesystem type of the mount sitting exactly on <paramref name="mountpoint"/> ("fuse.SUBTYPE", "tmpfs", ...), or null.</summary>
    public static string? TypeAt(string mountpoint)
    {
        // Optional fields follow the sixth one, as many as there are, ended by a lone "-"; the type comes next.
        string[]? fields = EntryAt(mountpoint);
        if (fields is null) return null;
        int separator = Array.IndexOf(fields, "-", 6);
        return separator >= 0 && separator + 1 < fields.Length ? Unescape(fields[separator + 1]) : null;
    }

    /// <summary>Every mount of type <paramref name="type"/> ("fuse.SUBTYPE", ...): its mountpoint and source, in mount order.</summary>
    public static List<(string Mountpoint, string Source)> OfType(string type)
    {
        var found = new List<(string, string)>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-", Math.Min(6, fields.Length));
            if (separator < 0 || separator + 2 >= fields.Length || Unescape(fields[separator + 1]) != type) continue;
            found.Add((Unescape(fields[4]), Unescape(fields[separator + 2])));
        }
        return found;
    }

    private static string[]? EntryAt(string mountpoint)
    {
        string path = Path.GetFullPath(mountpoint).TrimEnd('/');
        if (path.Length == 0) path = "/";
        string[]? entry = null;
        // Later lines are mounted over earlier ones, so the last match is what the path shows.
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == path) entry = fields;
        }
        return entry;
    }

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static string Unescape(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
