using Bucketfs.ObjectStore;

namespace Bucketfs.Core;

/// <summary>Why an operation of the core failed; the FUSE adapter turns each into its errno.</summary>
public enum FileSystemError
{
    NotFound,
    Exists,
    NotDirectory,
    IsDirectory,
    NotEmpty,
    ReadOnly,
    /// <summary>The node or the version a handle reads is gone (ESTALE).</summary>
    Stale,
    NameTooLong,
    InvalidArgument,
    NotPermitted,
    AccessDenied,
    BadHandle,
    /// <summary>The file is being read by the kernel from the data cache (ETXTBSY).</summary>
    Busy,
    /// <summary>A rename too large to do here: callers such as mv copy instead (EXDEV).</summary>
    CrossDevice,
    NoAttribute,
    OutOfRange,
    NotSupported,
    NotImplemented,
    FileTooBig,
    NoSpace,
    QuotaExceeded,
    Io,
}

/// <summary>A failed operation of the core, with its kind; a store failure behind it is the inner exception.</summary>
public sealed class FileSystemException(FileSystemError error, string? message = null, Exception? inner = null)
    : Exception(message ?? error.ToString(), inner)
{
    public FileSystemError Error { get; } = error;

    /// <summary>What a failed store call means to the caller of a filesystem operation.</summary>
    public static FileSystemError From(StoreError error) => error switch
    {
        StoreError.NotFound => FileSystemError.NotFound,
        StoreError.AccessDenied or StoreError.InvalidCredentials => FileSystemError.AccessDenied,
        StoreError.PreconditionFailed => FileSystemError.Stale,
        StoreError.NotSupported => FileSystemError.NotSupported,
        _ => FileSystemError.Io,
    };
}
