using Bucketfs.Cli.Credentials;
using YamlDotNet.RepresentationModel;

namespace Bucketfs.Cli.Stores;

/// <summary>
/// A cloud of OpenStack's clouds.yaml: OS_CLIENT_CONFIG_FILE, else ./clouds.yaml,
/// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml, the first that exists. Its auth
/// section and its top-level settings (region_name, interface, ...) are flattened to one set of names.
/// </summary>
internal static class CloudsYaml
{
    public static (IReadOnlyDictionary<string, string> Values, string File) Load(string cloud, StoreRequest r)
    {
        string[] candidates = r.Variable("OS_CLIENT_CONFIG_FILE") is { } named
            ? [named]
            : ["clouds.yaml", Path.Combine(r.HomeDirectory, ".config", "openstack", "clouds.yaml"), "/etc/openstack/clouds.yaml"];
        string file = candidates.FirstOrDefault(File.Exists)
            ?? throw new CredentialException($"cloud {cloud} named, but no clouds.yaml found ({string.Join(", ", candidates)})");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new CredentialException($"cannot read {file}: {CredentialException.Unreadable(e)}");
        }
        if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root
            || Child(root, "clouds") is not YamlMappingNode clouds
            || Child(clouds, cloud) is not YamlMappingNode entry)
            throw new CredentialException($"cloud {cloud} not found in {file}");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in entry.Children)
        {
            if (key.ToString() == "auth" && value is YamlMappingNode auth)
            {
                foreach (var (name, setting) in auth.Children)
                    if (setting is YamlScalarNode scalar) values[name.ToString()] = scalar.Value ?? "";
            }
            else if (value is YamlScalarNode scalar) values.TryAdd(key.ToString(), scalar.Value ?? "");
        }
        return (values, Path.GetFullPath(file));
    }

    private static YamlNode? Child(YamlMappingNode node, string name) =>
        node.Children.TryGetValue(new YamlScalarNode(name), out var child) ? child : null;
}
