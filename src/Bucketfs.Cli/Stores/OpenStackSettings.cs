namespace Bucketfs.Cli.Stores;

/// <summary>OpenStack settings by their clouds.yaml names, from --os-* options, a clouds.yaml cloud, and OS_* variables, first found wins.</summary>
internal static class OpenStackSettings
{
    public static (IReadOnlyDictionary<string, string> Settings, string From) Gather(StoreRequest r)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new List<string>();
        void Add(IEnumerable<KeyValuePair<string, string>> values, string source)
        {
            bool any = false;
            foreach (var (name, value) in values)
            {
                if (string.IsNullOrEmpty(value) || !settings.TryAdd(name, value)) continue;
                any = true;
            }
            if (any) sources.Add(source);
        }
        Add(r.OpenStack, "--os-* options");
        string? cloud = r.Cloud ?? r.Variable("OS_CLOUD");
        if (cloud != null)
        {
            var (values, file) = CloudsYaml.Load(cloud, r);
            Add(values, $"cloud {cloud} of {file}");
        }
        Add(OpenStackAuth.Names.Select(n => new KeyValuePair<string, string>(n, r.Variable("OS_" + n.ToUpperInvariant()) ?? "")), "OS_* environment");
        return (settings, sources.Count == 0 ? "the OpenStack settings (none given)" : string.Join(" and ", sources));
    }
}
