using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Core;

/// <summary>Which errno a failed store call becomes; everything unexpected is logged, never swallowed.</summary>
internal static class ErrnoMapping
{
    public static FuseException ToFuse(ObjectStoreException e, ILogger log)
    {
        int errno = e.Error switch
        {
            StoreError.NotFound => Errno.ENOENT,
            StoreError.AccessDenied or StoreError.InvalidCredentials => Errno.EACCES,
            StoreError.PreconditionFailed => Errno.ESTALE,
            StoreError.NotSupported => Errno.EOPNOTSUPP,
            _ => Errno.EIO,
        };
        if (e.Error == StoreError.PreconditionFailed)
            log.LogError("{Message}: the object changed while open; reopen the file to read the new version", e.Message);
        else if (errno != Errno.ENOENT)
            log.LogError("{Message} (answered errno {Errno})", e.Message, errno);
        return new FuseException(errno, e.Message);
    }
}
