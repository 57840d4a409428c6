using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

/// <summary>
/// The filesystem's log messages (event ids 300-399). Warnings and errors are what a user may have
/// to act on: uploads that failed and their later success, data kept aside, a cache that stopped caching.
/// </summary>
internal static partial class CoreLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "{Message}")]
    public static partial void UploadFailed(this ILogger log, string message);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "{Key} was not uploaded: a write to it failed; its local copy is removed")]
    public static partial void WriteFailedCopyRemoved(this ILogger log, string key);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "{Key} was closed but is not in the bucket yet; retrying its upload in the background (kept in {Path})")]
    public static partial void UploadPending(this ILogger log, string key, string path);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "{Key} is in the bucket now, uploaded after earlier attempts failed")]
    public static partial void UploadedLater(this ILogger log, string key);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "Uploading {Key} again failed")]
    public static partial void UploadRetryFailed(this ILogger log, Exception exception, string key);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Could not record the multipart upload of {Key} for recovery")]
    public static partial void UploadNotRecorded(this ILogger log, string key);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Abandoning the streamed upload of {Key} failed: {Message}")]
    public static partial void AbandonStreamedUploadFailed(this ILogger log, string key, string message);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Aborting the failed upload of {Key} failed too: {Message}")]
    public static partial void AbortFailedUploadFailed(this ILogger log, string key, string message);

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Skipping staged file {Path} (in use by another mount, or unreadable): {Message}")]
    public static partial void SkippingStaged(this ILogger log, string path, string message);

    [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "{Key} was being written when a previous mount ended, and no close() or fsync() had covered what was written; it was not uploaded and is kept in {Folder} (see bucketfs recover list)")]
    public static partial void KeptUnfinished(this ILogger log, string key, string folder);

    [LoggerMessage(EventId = 312, Level = LogLevel.Error, Message = "Could not check {Key} left staged by a previous mount: {Message}; it stays in {Path}")]
    public static partial void RecoveryCheckFailed(this ILogger log, string key, string message, string path);

    [LoggerMessage(EventId = 313, Level = LogLevel.Error, Message = "{Key} changed in the bucket since a previous mount staged changes to it; those changes were not uploaded and are kept in {Folder} (see bucketfs recover list)")]
    public static partial void KeptConflict(this ILogger log, string key, string folder);

    [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "Uploaded {Key} ({Size} bytes), left staged by a previous mount that did not finish")]
    public static partial void RecoveredUpload(this ILogger log, string key, long size);

    [LoggerMessage(EventId = 315, Level = LogLevel.Error, Message = "Could not upload {Key} left staged by a previous mount: {Message}; it stays in {Path}")]
    public static partial void RecoveredUploadFailed(this ILogger log, string key, string message, string path);

    [LoggerMessage(EventId = 316, Level = LogLevel.Warning, Message = "Aborted the unfinished multipart upload of {Key} a previous mount started")]
    public static partial void AbortedLeftUpload(this ILogger log, string key);

    [LoggerMessage(EventId = 317, Level = LogLevel.Error, Message = "Could not abort the multipart upload {UploadId} of {Key} a previous mount left: {Message}")]
    public static partial void AbortLeftUploadFailed(this ILogger log, string uploadId, string key, string message);

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Data cache in {Directory}: {Objects} objects, {Bytes} of at most {MaxBytes} bytes")]
    public static partial void CacheOpened(this ILogger log, string directory, int objects, long bytes, long maxBytes);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "Not caching {Key}: {Message}")]
    public static partial void NotCaching(this ILogger log, string key, string message);

    [LoggerMessage(EventId = 322, Level = LogLevel.Warning, Message = "Cached block {Block} of {Path} does not match its checksum; dropped, it will be fetched again")]
    public static partial void CachedBlockCorrupt(this ILogger log, int block, string path);

    [LoggerMessage(EventId = 323, Level = LogLevel.Warning, Message = "The data cache in {Directory} stops caching: its disk has {Free} bytes free, --cache-min-free asks for {MinFree}, and nothing idle is left to evict; free space on that disk or lower --cache-min-free")]
    public static partial void CacheStarved(this ILogger log, string directory, long free, long minFree);

    [LoggerMessage(EventId = 324, Level = LogLevel.Information, Message = "The data cache in {Directory} caches again")]
    public static partial void CacheResumed(this ILogger log, string directory);

    [LoggerMessage(EventId = 330, Level = LogLevel.Warning, Message = "{Key} is both a file and a directory; showing the directory, hiding the file")]
    public static partial void FileAndDirectory(this ILogger log, string key);

    [LoggerMessage(EventId = 331, Level = LogLevel.Warning, Message = "Skipping key {Key}: {Reason}")]
    public static partial void SkippingKey(this ILogger log, string key, string reason);

    [LoggerMessage(EventId = 340, Level = LogLevel.Error, Message = "{Message} (answered errno {Errno})")]
    public static partial void AnsweredError(this ILogger log, string message, int errno);

    [LoggerMessage(EventId = 341, Level = LogLevel.Error, Message = "{Message}: the object changed while open; reopen the file to read the new version")]
    public static partial void ChangedWhileOpen(this ILogger log, string message);

    [LoggerMessage(EventId = 350, Level = LogLevel.Warning, Message = "Ignoring the stored listing {Path}: {Message}")]
    public static partial void IgnoringStoredListing(this ILogger log, string path, string message);

    [LoggerMessage(EventId = 351, Level = LogLevel.Warning, Message = "Could not store the listing of {Prefix}: {Message}")]
    public static partial void ListingNotStored(this ILogger log, string prefix, string message);

    [LoggerMessage(EventId = 360, Level = LogLevel.Information, Message = "Renaming {From} to {To}: {Count} keys")]
    public static partial void RenamingDirectory(this ILogger log, string from, string to, int count);

    [LoggerMessage(EventId = 361, Level = LogLevel.Information, Message = "Renaming {From}: {Done} of {Count} keys copied")]
    public static partial void RenameProgress(this ILogger log, string from, int done, int count);
}
