using Bucketfs.ObjectStore.S3;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// s3fs's -o use_sse in all its forms: use_sse or use_sse=1 (SSE-S3); kmsid, k, kmsid:ID, k:ID
/// (SSE-KMS, the id from AWSSSEKMSID when not given); custom, c, custom:FILE, c:FILE or FILE alone
/// (SSE-C, the key from the first line of FILE, mode 600, or the first of AWSSSECKEYS).
/// </summary>
internal static class SseOption
{
    public static S3WritePolicy Apply(S3WritePolicy writes, string option, string? value)
    {
        if (value is null or "" or "1") return writes with { Encryption = SseKind.S3 };
        var (kind, argument) = value.IndexOf(':') is int colon and > 0 ? (value[..colon], value[(colon + 1)..]) : (value, "");
        switch (kind)
        {
            case "kmsid" or "k":
                string? id = argument.Length > 0 ? argument : Environment.GetEnvironmentVariable("AWSSSEKMSID");
                return writes with { Encryption = SseKind.Kms, KmsKeyId = string.IsNullOrEmpty(id) ? null : id };
            case "custom" or "c":
                if (argument.Length > 0) return Customer(writes, option, KeyFromFile(option, argument));
                string keys = Environment.GetEnvironmentVariable("AWSSSECKEYS")
                    ?? throw new UsageException($"{option}={value}: give the key file (custom:FILE) or set AWSSSECKEYS");
                return Customer(writes, option, keys.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "");
            default:
                // s3fs's oldest form: the key file alone.
                if (value.StartsWith('/') || File.Exists(value)) return Customer(writes, option, KeyFromFile(option, value));
                throw new UsageException($"{option} '{value}': expected 1, kmsid[:ID], custom[:KEYFILE] or a key file");
        }
    }

    private static S3WritePolicy Customer(S3WritePolicy writes, string option, string key) =>
        writes with { Encryption = SseKind.Customer, CustomerKey = Decode(option, key) };

    /// <summary>The first key of an s3fs SSE-C key file, which like s3fs's must be open to its owner only.</summary>
    private static string KeyFromFile(string option, string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{option}: key file {path} does not exist");
        const UnixFileMode GroupOrOthers = (UnixFileMode)0x3F;
        if ((File.GetUnixFileMode(path) & GroupOrOthers) != 0) throw new UsageException($"{option}: key file {path} must not be accessible by others (chmod 600)");
        try
        {
            return File.ReadLines(path).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && l[0] != '#')
                ?? throw new UsageException($"{option}: key file {path} holds no key");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot read key file {path}: {e.Message}");
        }
    }

    /// <summary>A 256-bit key, as its 32 bytes or in base64, as s3fs takes it.</summary>
    private static byte[] Decode(string option, string key)
    {
        if (key.Length == 32) return System.Text.Encoding.Latin1.GetBytes(key);
        var bytes = new byte[48];
        if (Convert.TryFromBase64String(key, bytes, out int length) && length == 32) return bytes[..32];
        throw new UsageException($"{option}: an SSE-C key is 32 bytes, or those bytes in base64");
    }
}
