using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Swift;

internal static partial class SwiftLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in to Swift as {Who}: storage {StorageUrl}, token valid until {Expires}")]
    public static partial void SignedIn(ILogger log, string who, Uri storageUrl, DateTimeOffset? expires);

    [LoggerMessage(Level = LogLevel.Information, Message = "Swift refused the token of {Who}; signing in again")]
    public static partial void TokenRefused(ILogger log, string who);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Count} segments of {Key} (of an abandoned upload, or of the large object an overwrite replaced): {Reason}")]
    public static partial void SegmentsLeft(ILogger log, int count, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the manifest of {Key} before overwriting it, so its segments may be left in the segment container: {Reason}")]
    public static partial void ReplacedSegmentsUnknown(ILogger log, string key, string reason);
}
