using System.Collections.Concurrent;
using Bucketfs.Core.Metadata;

namespace Bucketfs.Core.Namespace;

/// <summary>
/// Which folders hold files, from what lookups found in them: once the last few names resolved in
/// a folder were all files, the next one is taken for a file first. A directory found there ends
/// it. Bounded: past its capacity it starts over, and folders are guessed at again from scratch.
/// </summary>
internal sealed class FolderContents
{
    private const int FilesBeforeGuessing = 4;
    private const int MostFolders = 10_000;
    private readonly ConcurrentDictionary<string, int> _filesInARow = new(StringComparer.Ordinal);

    public bool HoldsFiles(string folder) => _filesInARow.TryGetValue(folder, out int files) && files >= FilesBeforeGuessing;

    public void Resolved(string folder, EntryKind kind)
    {
        if (kind == EntryKind.Directory)
        {
            _filesInARow.TryRemove(folder, out _);
            return;
        }
        if (_filesInARow.Count >= MostFolders && !_filesInARow.ContainsKey(folder)) _filesInARow.Clear();
        _filesInARow.AddOrUpdate(folder, 1, static (_, files) => Math.Min(files + 1, FilesBeforeGuessing));
    }
}
