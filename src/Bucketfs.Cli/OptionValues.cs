using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Bucketfs.Cli;

/// <summary>
/// The values options take. Each parser is given the option as the user wrote it ("--uid", or
/// "-o uid" in an s3fs-style list) and throws a <see cref="UsageException"/> naming the option
/// and what it accepts, so both forms of an option fail alike and in the same words.
/// </summary>
internal static partial class OptionValues
{
    public static Uri Url(string option, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw Rejected(option, text, "an http:// or https:// URL");

    /// <summary>An HTTP proxy's URL; HOST:PORT alone is taken as http://HOST:PORT, as curl does.</summary>
    public static Uri Proxy(string option, string text) => Url(option, text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text);

    /// <summary>
    /// A signing region. AWS names them in lower case (us-east-1); other stores name their own, and
    /// the SDK takes letters, digits and hyphens, since the region may end up in a host name.
    /// </summary>
    public static string Region(string option, string text) =>
        RegionSyntax().IsMatch(text) ? text : throw Rejected(option, text, "a region name of letters, digits and hyphens, like us-east-1");

    /// <summary>An S3 storage class, in any case (s3fs writes them in lower case).</summary>
    public static string StorageClass(string option, string text) =>
        StorageClasses.FirstOrDefault(c => c.Equals(text, StringComparison.OrdinalIgnoreCase))
            ?? throw Rejected(option, text, "one of " + string.Join(", ", StorageClasses));

    private static readonly string[] StorageClasses =
        ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "REDUCED_REDUNDANCY", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "EXPRESS_ONEZONE"];

    /// <summary>A canned ACL, as S3 names them.</summary>
    public static string CannedAcl(string option, string text) =>
        CannedAcls.Contains(text) ? text : throw Rejected(option, text, "one of " + string.Join(", ", CannedAcls));

    private static readonly string[] CannedAcls =
        ["private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write"];

    /// <summary>Seconds (fractions allowed), or 'indefinite' (null) for data that never changes.</summary>
    public static TimeSpan? Ttl(string option, string text)
    {
        if (text is "indefinite" or "forever") return null;
        // Capped so the value fits a TimeSpan; anything near it is 'indefinite' in practice.
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds is >= 0 and <= int.MaxValue)
            return TimeSpan.FromSeconds(seconds);
        throw Rejected(option, text, "a number of seconds, or 'indefinite'");
    }

    /// <summary>A time bound in seconds (fractions allowed), more than 0 and at most a day.</summary>
    public static TimeSpan Seconds(string option, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds is > 0 and <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw Rejected(option, text, "a number of seconds, more than 0 and at most 86400");

    /// <summary>A size with an optional K, M, G or T suffix (powers of 1024); a bare number is MiB.</summary>
    public static long Size(string option, string text)
    {
        string digits = text.TrimEnd('B', 'b', 'i');
        int shift = 20;
        if (digits.Length > 0 && "KMGTkmgt".IndexOf(digits[^1]) is int unit and >= 0)
        {
            shift = 10 * (unit % 4 + 1);
            digits = digits[..^1];
        }
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || !(value > 0 && value * Math.Pow(2, shift) <= long.MaxValue / 2))
            throw Rejected(option, text, "a size like 500M or 20G");
        return (long)(value * Math.Pow(2, shift));
    }

    /// <summary>A whole number of MiB, at least <paramref name="least"/>, in bytes.</summary>
    public static long Mebibytes(string option, string text, long least) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long mib) && mib >= least && mib <= long.MaxValue >> 20
            ? mib << 20
            : throw Rejected(option, text, $"a whole number of MiB, {least} or more");

    /// <summary>Permission bits in octal, as chmod takes them.</summary>
    public static uint Mode(string option, string text)
    {
        string digits = text.TrimStart('0');
        if (text.Length == 0 || digits.Length > 4 || !digits.All(c => c is >= '0' and <= '7'))
            throw Rejected(option, text, "octal permission bits from 0 to 7777, like 644");
        return digits.Length == 0 ? 0 : Convert.ToUInt32(digits, 8);
    }

    public static uint User(string option, string text) =>
        Id(text) ?? Accounts.UserId(text) ?? throw Rejected(option, text, "a user id (a number) or the name of a user of this machine");

    public static uint Group(string option, string text) =>
        Id(text) ?? Accounts.GroupId(text) ?? throw Rejected(option, text, "a group id (a number) or the name of a group of this machine");

    /// <summary>A count or a number of seconds: a whole number, 0 or more.</summary>
    public static int Whole(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Rejected(option, text, "a whole number, 0 or more");

    /// <summary>How many of something at once: a whole number, 1 to 1024.</summary>
    public static int Count(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= 1024
            ? value
            : throw Rejected(option, text, "a whole number from 1 to 1024");

    /// <summary>
    /// For an option System.CommandLine parses itself: reports a value the parser refuses as a parse
    /// error in the parser's words (its own message would name a .NET type).
    /// </summary>
    public static Func<ArgumentResult, T?> Parser<T>(Func<string, string, T> parse) => result =>
    {
        try
        {
            return parse(((OptionResult)result.Parent!).Option.Name, result.Tokens[^1].Value);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return default;
        }
    };

    private static UsageException Rejected(string option, string text, string expected) => new($"{option} '{text}': expected {expected}");

    // (uid_t)-1 is no id: chown(2) reads it as "leave unchanged".
    private static uint? Id(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) && id != uint.MaxValue ? id : null;

    [GeneratedRegex("^[A-Za-z0-9-]+$")]
    private static partial Regex RegionSyntax();
}
