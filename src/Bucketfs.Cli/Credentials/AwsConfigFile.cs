namespace Bucketfs.Cli.Credentials;

/// <summary>What a profile of ~/.aws/config says about reaching S3, as the AWS CLI reads it.</summary>
/// <param name="EndpointUrl">The services section's s3 endpoint_url, else the profile's own endpoint_url.</param>
/// <param name="PathStyle">s3 = addressing_style = path (true) or virtual (false); null for auto or absent.</param>
internal sealed record AwsProfileSettings(string? EndpointUrl, string? CaBundle, string? Region, bool? PathStyle);

/// <summary>
/// Reads the S3 settings of one profile from the AWS CLI's config file: endpoint_url (the profile's,
/// or s3's in the [services NAME] section the profile names), ca_bundle, region, and
/// addressing_style in an s3 sub-section. Credentials are the SDK's business (SharedProfiles).
/// </summary>
internal static class AwsConfigFile
{
    public static AwsProfileSettings Read(string path, string profile)
    {
        var sections = Parse(path);
        // The config file names the default profile [default], every other one [profile NAME].
        var own = (profile == "default" ? sections.GetValueOrDefault("default") : null) ?? sections.GetValueOrDefault("profile " + profile) ?? [];
        var services = own.GetValueOrDefault("services") is { } name ? sections.GetValueOrDefault("services " + name) : null;
        string? endpoint = services?.GetValueOrDefault("s3.endpoint_url") ?? own.GetValueOrDefault("endpoint_url");
        bool? pathStyle = own.GetValueOrDefault("s3.addressing_style") switch
        {
            "path" => true,
            "virtual" => false,
            _ => null,
        };
        return new AwsProfileSettings(endpoint, own.GetValueOrDefault("ca_bundle"), own.GetValueOrDefault("region"), pathStyle);
    }

    /// <summary>Sections by header ("default", "profile dev", "services local") of key = value lines; "s3 =" followed by indented lines gives "s3.key".</summary>
    private static Dictionary<string, Dictionary<string, string>> Parse(string path)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!File.Exists(path)) return sections;
        Dictionary<string, string>? section = null;
        string? parent = null;
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialException($"cannot read {path}: {CredentialException.Unreadable(e)}");
        }
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                string name = string.Join(' ', line[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                section = sections.TryGetValue(name, out var known) ? known : sections[name] = new(StringComparer.Ordinal);
                parent = null;
                continue;
            }
            int eq = line.IndexOf('=');
            if (section is null || eq <= 0) continue;
            string key = line[..eq].Trim(), value = line[(eq + 1)..].Trim();
            bool indented = char.IsWhiteSpace(raw[0]);
            if (indented && parent is not null)
            {
                section[parent + "." + key] = value;
                continue;
            }
            parent = value.Length == 0 ? key : null;
            if (value.Length > 0) section[key] = value;
        }
        return sections;
    }
}
