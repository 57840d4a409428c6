using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core.Kernel;

/// <summary>The one place a failure of the core becomes an errno; what a user must know of is logged here, once.</summary>
internal static class ErrnoMapping
{
    /// <summary>The errno for a failure, or null for one the core does not describe (a bug: the session logs it and answers EIO).</summary>
    public static int? For(Exception failure, ILogger log)
    {
        switch (failure)
        {
            case FileSystemException e:
                if (Noteworthy(e.Error)) log.AnsweredError(e.Message, ToErrno(e.Error));
                return ToErrno(e.Error);
            case ObjectStoreException e:
                var error = FileSystemException.From(e.Error);
                if (e.Error == StoreError.PreconditionFailed)
                    log.ChangedWhileOpen(e.Message);
                else if (error != FileSystemError.NotFound)
                    log.AnsweredError(e.Message, ToErrno(error));
                return ToErrno(error);
            default:
                return null;
        }
    }

    /// <summary>Failures a user must act on or should hear about; the rest are ordinary answers (no such name, not empty).</summary>
    private static bool Noteworthy(FileSystemError error) => error is FileSystemError.Io or FileSystemError.AccessDenied
        or FileSystemError.Stale or FileSystemError.Busy or FileSystemError.CrossDevice or FileSystemError.NoSpace
        or FileSystemError.QuotaExceeded or FileSystemError.NotSupported or FileSystemError.FileTooBig;

    public static int ToErrno(FileSystemError error) => error switch
    {
        FileSystemError.NotFound => Errno.ENOENT,
        FileSystemError.Exists => Errno.EEXIST,
        FileSystemError.NotDirectory => Errno.ENOTDIR,
        FileSystemError.IsDirectory => Errno.EISDIR,
        FileSystemError.NotEmpty => Errno.ENOTEMPTY,
        FileSystemError.ReadOnly => Errno.EROFS,
        FileSystemError.Stale => Errno.ESTALE,
        FileSystemError.NameTooLong => Errno.ENAMETOOLONG,
        FileSystemError.InvalidArgument => Errno.EINVAL,
        FileSystemError.NotPermitted => Errno.EPERM,
        FileSystemError.AccessDenied => Errno.EACCES,
        FileSystemError.BadHandle => Errno.EBADF,
        FileSystemError.Busy => Errno.ETXTBSY,
        FileSystemError.CrossDevice => Errno.EXDEV,
        FileSystemError.NoAttribute => Errno.ENODATA,
        FileSystemError.OutOfRange => Errno.ERANGE,
        FileSystemError.NotSupported => Errno.EOPNOTSUPP,
        FileSystemError.NotImplemented => Errno.ENOSYS,
        FileSystemError.FileTooBig => Errno.EFBIG,
        FileSystemError.NoSpace => Errno.ENOSPC,
        FileSystemError.QuotaExceeded => Errno.EDQUOT,
        _ => Errno.EIO,
    };
}
