namespace Bucketfs.ObjectStore.Transfer;

/// <summary>
/// One end of a copy: a local folder or a store location. A copy reads from one and writes to the
/// other through this alone, so every direction (and store to store) is the same code.
/// </summary>
public interface ITransferSide
{
    /// <summary>Where it is, for messages.</summary>
    string Description { get; }

    /// <summary>Every file, link and folder marker below the root, streamed, in <see cref="KeyOrder"/>.</summary>
    IAsyncEnumerable<TransferEntry> ListAsync(CancellationToken cancellation);

    /// <summary>One file with its exact time, mode and metadata, or null when there is none.</summary>
    Task<TransferEntry?> StatAsync(string key, CancellationToken cancellation);

    /// <summary>The MD5 of the file's bytes in lower-case hex, or null where the side cannot tell it without reading (a multipart object).</summary>
    Task<string?> HashAsync(TransferEntry entry, CancellationToken cancellation);

    /// <summary>
    /// Opens <paramref name="entry"/> for reading and reads its first bytes into
    /// <paramref name="start"/> (a store can answer both in one request). The reader's entry is
    /// exact: time, mode, metadata.
    /// </summary>
    Task<ISourceReader> OpenAsync(TransferEntry entry, Memory<byte> start, CancellationToken cancellation);

    /// <summary>Writes a whole file in one go; returns what the side reports of it (a store's ETag), or null.</summary>
    Task<string?> WriteAsync(string key, ReadOnlyMemory<byte> content, TransferEntry source, CancellationToken cancellation);

    /// <summary>Starts a file written in parts, possibly in parallel.</summary>
    Task<IPartWriter> StartAsync(string key, TransferEntry source, CancellationToken cancellation);

    Task DeleteAsync(string key, CancellationToken cancellation);

    /// <summary>After the last write and delete: what the side left for the end (a local folder's time, which writing into it moved).</summary>
    Task FinishAsync(CancellationToken cancellation);
}

/// <summary>An open source file.</summary>
public interface ISourceReader : IAsyncDisposable
{
    /// <summary>The file as opened: exact time, mode, metadata, Content-Type.</summary>
    TransferEntry Entry { get; }

    /// <summary>How many bytes <see cref="ITransferSide.OpenAsync"/> put into its buffer.</summary>
    int StartLength { get; }

    /// <summary>Bytes [offset, offset + destination.Length), all of them (the size is known).</summary>
    Task ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellation);
}

/// <summary>A destination file being written in parts.</summary>
public interface IPartWriter : IAsyncDisposable
{
    /// <summary>Part <paramref name="number"/> (from 1) at <paramref name="offset"/>; returns the part's ETag where the side has one.</summary>
    Task<string?> WritePartAsync(int number, long offset, ReadOnlyMemory<byte> content, CancellationToken cancellation);

    /// <summary>Makes the file visible under its name; until then nothing of it is.</summary>
    Task CompleteAsync(CancellationToken cancellation);
}
