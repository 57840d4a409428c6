using System.Text;
using System.Text.RegularExpressions;

namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// --include / --exclude globs as rclone reads them: '*' and '?' stay within a folder, '**' crosses
/// folders, [...] and {a,b} as in a shell; a glob starting with '/' is matched from the root,
/// any other against the end of the key (a name in any folder). A key is taken when it matches no
/// exclude and, if there are includes, at least one of them.
/// </summary>
public sealed class KeyFilter
{
    public static readonly KeyFilter All = new([], []);

    private readonly Regex[] _includes;
    private readonly Regex[] _excludes;

    public KeyFilter(IEnumerable<string> includes, IEnumerable<string> excludes)
    {
        _includes = includes.Select(ToRegex).ToArray();
        _excludes = excludes.Select(ToRegex).ToArray();
    }

    public bool Takes(string key) =>
        !_excludes.Any(e => e.IsMatch(key)) && (_includes.Length == 0 || _includes.Any(i => i.IsMatch(key)));

    /// <summary>The regular expression of a glob; throws <see cref="ArgumentException"/> for one that does not parse.</summary>
    public static Regex ToRegex(string glob)
    {
        var pattern = new StringBuilder(glob.StartsWith('/') ? "^" : "(?:^|/)");
        int braces = 0;
        for (int i = glob.StartsWith('/') ? 1 : 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*': pattern.Append(".*"); i++; break;
                case '*': pattern.Append("[^/]*"); break;
                case '?': pattern.Append("[^/]"); break;
                case '[':
                    int close = glob.IndexOf(']', i + 1);
                    if (close < 0) throw new ArgumentException($"glob '{glob}': '[' without ']'");
                    string set = glob[(i + 1)..close];
                    pattern.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                case '{': braces++; pattern.Append("(?:"); break;
                case '}' when braces > 0: braces--; pattern.Append(')'); break;
                case ',' when braces > 0: pattern.Append('|'); break;
                case '\\' when i + 1 < glob.Length: pattern.Append(Regex.Escape(glob[++i].ToString())); break;
                default: pattern.Append(Regex.Escape(c.ToString())); break;
            }
        }
        if (braces != 0) throw new ArgumentException($"glob '{glob}': '{{' without '}}'");
        // A glob ending in '/' names a folder: everything in it.
        pattern.Append(glob.EndsWith('/') ? ".*$" : "$");
        return new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }
}
