using System.Globalization;

namespace Bucketfs.Bench.Compare;

/// <summary>`--name value` pairs and `--flag`s after the command word.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = [];
    private readonly List<KeyValuePair<string, string>> _all = [];

    public Args(IEnumerable<string> args)
    {
        string? name = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name != null) Add(name, "true");
                name = arg[2..];
            }
            else if (name != null)
            {
                Add(name, arg);
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }
        if (name != null) Add(name, "true");
    }

    private void Add(string name, string value)
    {
        _values[name] = value;
        _all.Add(new(name, value));
    }

    public IEnumerable<string> All(string name) => _all.Where(p => p.Key == name).Select(p => p.Value);

    public string Get(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _values.TryGetValue(name, out var v) && v != "false";
}
