using Bucketfs.Core.Tests.Model;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

/// <summary>A first pass over a folder of files, each looked up and read (see FirstBytes and FolderContents).</summary>
public sealed class ColdEpochLookupTests
{
    [Fact]
    public async Task OnceLookupsAreFollowedByReadsANewFileCostsOneRequestForItsLookupAndRead()
    {
        using var mount = new MountDriver();
        var contents = Enumerable.Range(0, 20).ToDictionary(i => $"set/{i:D3}", i => Enumerable.Repeat((byte)i, 1000 + i).ToArray());
        foreach (var (key, content) in contents) mount.Store.PutDirect(key, content);
        ulong directory = await mount.ResolveAsync("set");

        var counts = new List<int>();
        foreach (var (key, content) in contents)
        {
            int before = mount.Store.Calls(StoreOperation.All);
            var entry = await mount.LookupAsync(directory, key[4..]);
            Assert.Equal(content, await mount.ReadAsync(entry!.Value.NodeId));
            counts.Add(mount.Store.Calls(StoreOperation.All) - before);
        }

        // The first files take a HEAD and a GET (with a listing for the very first); the last ones one GET each.
        Assert.All(counts.TakeLast(10), count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task ANewNameThatIsADirectoryIsStillFoundAsOne()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < 10; i++) mount.Store.PutDirect($"set/{i:D3}", [1, 2, 3]);
        mount.Store.PutDirect("set/zz/inner", [4]);
        ulong directory = await mount.ResolveAsync("set");
        for (int i = 0; i < 10; i++) await mount.ReadAsync((await mount.LookupAsync(directory, $"{i:D3}"))!.Value.NodeId);

        var entry = await mount.LookupAsync(directory, "zz");

        Assert.Equal(ModelKind.Directory, MountDriver.KindOf(entry!.Value));
    }
}
