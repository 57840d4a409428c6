namespace Bucketfs.Testing;

/// <summary>The kinds of <see cref="Bucketfs.ObjectStore.IObjectStore"/> calls, as flags so one hook or count can cover several.</summary>
[Flags]
public enum StoreOperation
{
    List = 1 << 0,
    Head = 1 << 1,
    Read = 1 << 2,
    ReadWhole = 1 << 3,
    HeadAndRead = 1 << 4,
    Put = 1 << 5,
    Copy = 1 << 6,
    Delete = 1 << 7,
    StartUpload = 1 << 8,
    UploadPart = 1 << 9,
    CopyPart = 1 << 10,
    CompleteUpload = 1 << 11,
    AbortUpload = 1 << 12,
    /// <summary>Every GET of an object's bytes.</summary>
    AnyRead = Read | ReadWhole | HeadAndRead,
    /// <summary>Every call that changes the bucket or a multipart upload.</summary>
    AnyWrite = Put | Copy | Delete | StartUpload | UploadPart | CopyPart | CompleteUpload | AbortUpload,
    All = List | Head | AnyRead | AnyWrite,
}
