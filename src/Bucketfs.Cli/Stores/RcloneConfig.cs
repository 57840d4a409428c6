using Bucketfs.Cli.Credentials;

namespace Bucketfs.Cli.Stores;

/// <summary>rclone's config file: INI sections, one per remote, of "name = value" lines.</summary>
internal static class RcloneConfig
{
    public static (string File, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Sections) Load(StoreRequest r)
    {
        string file = r.RcloneConfig ?? r.Variable("RCLONE_CONFIG") ?? DefaultFile(r);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"cannot read the rclone config {file}: {CredentialException.Unreadable(e)}");
        }
        if (lines.Any(l => l.StartsWith("RCLONE_ENCRYPT_V", StringComparison.Ordinal)))
            throw new CredentialException($"the rclone config {file} is encrypted; bucketfs reads only plain ones");
        var sections = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                sections[line[1..^1].Trim()] = current;
                continue;
            }
            int eq = line.IndexOf('=');
            if (current != null && eq > 0) current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return (file, sections);
    }

    /// <summary>Where rclone looks: $XDG_CONFIG_HOME/rclone/rclone.conf (~/.config by default), else the older ~/.rclone.conf.</summary>
    private static string DefaultFile(StoreRequest r)
    {
        string config = r.Variable("XDG_CONFIG_HOME") ?? Path.Combine(r.HomeDirectory, ".config");
        string current = Path.Combine(config, "rclone", "rclone.conf");
        string old = Path.Combine(r.HomeDirectory, ".rclone.conf");
        return !File.Exists(current) && File.Exists(old) ? old : current;
    }
}
