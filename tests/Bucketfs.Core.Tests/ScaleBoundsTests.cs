using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests;

/// <summary>
/// What a large folder costs in requests and nodes, at a size CI affords (issue 19's scale suite
/// measures 100,000 objects on Ceph): bounds that do not depend on timing.
/// </summary>
public sealed class ScaleBoundsTests
{
    private const int Files = 50_000;

    [Fact]
    public async Task FiftyThousandNamesListedStatedInOrderAfterExpiryAndForgottenCostPagesAndLeaveNoNodes()
    {
        using var mount = new MountDriver();
        for (int i = 0; i < Files; i++) mount.Store.PutDirect($"flat/f-{i:D7}", [1]);
        ulong directory = await mount.ResolveAsync("flat");
        int nodesBefore = mount.Fs.KnownNodes;

        // ls -l: READDIRPLUS gives the kernel a reference to every entry.
        var referenced = new List<ulong>();
        ulong handle = mount.Fs.OpenDirectory(directory);
        await mount.Fs.ReadDirectoryAsync(handle, 0, plus: true, (string name, in NodeEntry entry, ulong _) =>
        {
            if (name is not "." and not "..") referenced.Add(entry.NodeId);
            return true;
        }, CancellationToken.None);
        mount.Fs.ReleaseDirectory(handle);
        Assert.Equal(Files, referenced.Count);
        int listings = mount.Store.Calls(StoreOperation.List), heads = mount.Store.Calls(StoreOperation.Head);

        // du: every name again in listing order, after they expired.
        mount.LetExpire();
        for (int i = 0; i < Files; i++)
        {
            var entry = await mount.Fs.LookupAsync(directory, $"f-{i:D7}", CancellationToken.None);
            Assert.Equal(1ul, entry.Attr.Size);
            referenced.Add(entry.NodeId);
        }
        Assert.InRange(mount.Store.Calls(StoreOperation.List) - listings, 1, Files / 1000 + 5);
        Assert.InRange(mount.Store.Calls(StoreOperation.Head) - heads, 0, 10);

        // The kernel forgets them all (drop_caches): no node stays for a name it no longer holds.
        foreach (ulong node in referenced) mount.Fs.Forget(node, 1);
        Assert.Equal(nodesBefore, mount.Fs.KnownNodes);
    }
}
