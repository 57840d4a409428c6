using System.CommandLine;
using Bucketfs.Cli.Stores;

namespace Bucketfs.Cli.Mount;

/// <summary>The OpenStack options of commands that take swift:// sources: --os-NAME for each OS_NAME an openrc file sets, --os-cloud, --rclone-config.</summary>
internal sealed class OpenStackOptions
{
    private readonly Dictionary<string, Option<string?>> _settings = OpenStackAuth.Names.ToDictionary(
        name => name,
        name => new Option<string?>("--os-" + name.Replace('_', '-')) { Description = $"OpenStack {name} (else OS_{name.ToUpperInvariant()}, or the --os-cloud cloud's)", Hidden = !Shown.Contains(name) });

    // The help lists the usual ones; the rest work as well, as the OpenStack clients spell them.
    private static readonly HashSet<string> Shown = ["auth_url", "application_credential_id", "application_credential_secret", "username", "password", "project_name", "region_name"];

    private readonly Option<string?> _cloud = new("--os-cloud") { Description = "A cloud of clouds.yaml to sign in to Swift with (else OS_CLOUD)" };
    private readonly Option<string?> _rcloneConfig = new("--rclone-config") { Description = "rclone config file of REMOTE:BUCKET sources (default ~/.config/rclone/rclone.conf)" };

    public void AttachTo(Command command)
    {
        foreach (var option in _settings.Values) command.Options.Add(option);
        command.Options.Add(_cloud);
        command.Options.Add(_rcloneConfig);
    }

    public Dictionary<string, string> Settings(ParseResult r)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, option) in _settings)
            if (r.GetValue(option) is { Length: > 0 } value) settings[name] = value;
        return settings;
    }

    public string? Cloud(ParseResult r) => r.GetValue(_cloud);

    public string? RcloneConfig(ParseResult r) => r.GetValue(_rcloneConfig);
}
