using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Bucketfs.ObjectStore.Transfer;

public sealed partial class LocalSide
{
    private readonly Lock _lock = new();

    /// <summary>Folders made or updated by this run, with their times, set again at the end: writing into a folder moves its time.</summary>
    private KeySpool? _folderTimes;

    private void MakeFolder(string key, TransferEntry source)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(path);
        Apply(path, source, link: false);
        lock (_lock)
        {
            _folderTimes ??= new KeySpool();
            _folderTimes.Add(source.Modified.UtcTicks.ToString(CultureInfo.InvariantCulture) + " " + key);
        }
    }

    /// <summary>A link made under a temporary name and renamed over whatever was there.</summary>
    private void MakeLink(string key, string target, TransferEntry source)
    {
        string path = PathOf(key);
        string temporary = Temporary(path);
        File.CreateSymbolicLink(temporary, target);
        try
        {
            Apply(temporary, source, link: true);
            // rename(2) itself: a link whose target does not exist is still a link to move.
            LocalInodes.Rename(temporary, path);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public Task FinishAsync(CancellationToken cancellation)
    {
        KeySpool? times;
        lock (_lock) (times, _folderTimes) = (_folderTimes, null);
        if (times is null) return Task.CompletedTask;
        using (times)
        {
            foreach (string record in times.Keys())
            {
                cancellation.ThrowIfCancellationRequested();
                int space = record.IndexOf(' ');
                string path = PathOf(record[(space + 1)..]);
                if (Directory.Exists(path)) LocalInodes.SetModified(path, new DateTimeOffset(long.Parse(record[..space], CultureInfo.InvariantCulture), TimeSpan.Zero));
            }
        }
        return Task.CompletedTask;
    }

    private sealed class FileReader(SafeFileHandle handle, TransferEntry entry, int startLength) : ISourceReader
    {
        public TransferEntry Entry => entry;

        public int StartLength => startLength;

        public async Task ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellation)
        {
            int filled = 0;
            while (filled < destination.Length)
            {
                int n = await RandomAccess.ReadAsync(handle, destination[filled..], offset + filled, cancellation).ConfigureAwait(false);
                if (n == 0) throw new IOException($"{entry.Key} ended after {offset + filled} bytes: it changed while being copied");
                filled += n;
            }
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FileWriter(SafeFileHandle handle, string temporary, string path, TransferEntry source) : IPartWriter
    {
        private bool _completed;

        public async Task<string?> WritePartAsync(int number, long offset, ReadOnlyMemory<byte> content, CancellationToken cancellation)
        {
            await RandomAccess.WriteAsync(handle, content, offset, cancellation).ConfigureAwait(false);
            return null;
        }

        public Task CompleteAsync(CancellationToken cancellation)
        {
            handle.Dispose();
            Apply(temporary, source, link: false);
            File.Move(temporary, path, overwrite: true);
            _completed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            handle.Dispose();
            if (!_completed) File.Delete(temporary);
            return ValueTask.CompletedTask;
        }
    }
}
