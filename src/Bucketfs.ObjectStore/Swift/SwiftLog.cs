using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Swift;

internal static partial class SwiftLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in to Swift as {Who}: storage {StorageUrl}, token valid until {Expires}")]
    public static partial void SignedIn(ILogger log, string who, Uri storageUrl, DateTimeOffset? expires);

    [LoggerMessage(Level = LogLevel.Information, Message = "Swift refused the token of {Who}; signing in again")]
    public static partial void TokenRefused(ILogger log, string who);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Count} segments of an abandoned upload of {Key}: {Reason}")]
    public static partial void SegmentsLeft(ILogger log, int count, string key, string reason);
}
