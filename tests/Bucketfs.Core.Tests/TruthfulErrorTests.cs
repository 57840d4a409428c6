using Bucketfs.Core.Kernel;
using Bucketfs.Core.Tests.Model;
using Bucketfs.Fuse;
using Bucketfs.Fuse.Protocol;
using Bucketfs.ObjectStore;
using Bucketfs.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bucketfs.Core.Tests;

/// <summary>Operations the store cannot serve fail with the errno that says why, and ones it need not serve succeed.</summary>
public sealed class TruthfulErrorTests
{
    private const uint File = 0x8000;

    [Fact]
    public async Task AnOpenFileUnlinkedThroughTheMountStillHasItsAttributesWithNoLinks()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("doomed", 0x1A4, [1, 2, 3]);
        ulong node = await mount.ResolveAsync("doomed");
        var opened = await mount.Fs.OpenAsync(node, 0, CancellationToken.None);
        await mount.UnlinkAsync("doomed");

        var attr = (await mount.Fs.GetAttrAsync(node, CancellationToken.None)).Attr;
        Assert.Equal(3ul, attr.Size);
        Assert.Equal(0u, attr.Nlink);
        await mount.Fs.ReleaseAsync(opened.Handle);
        Assert.Null(await mount.LookupAsync(1, "doomed"));
    }

    [Fact]
    public async Task TruncatingOrWritingBeyondWhatOneObjectHoldsIsFileTooBig()
    {
        using var mount = new MountDriver();
        await mount.CreateAsync("huge", 0x1A4, [1]);
        var truncate = await Assert.ThrowsAsync<FileSystemException>(() => mount.TruncateAsync("huge", 999_999_999_999_999));
        Assert.Equal(Errno.EFBIG, ErrnoMapping.For(truncate, NullLogger.Instance));
        var write = await Assert.ThrowsAsync<FileSystemException>(() => mount.WriteAsync("huge", StoreLimits.S3.ObjectBytes, [1]));
        Assert.Equal(Errno.EFBIG, ErrnoMapping.For(write, NullLogger.Instance));
        Assert.Equal([1], mount.Store.Find("huge")!.Content.ToArray());
    }

    [Fact]
    public async Task APathWhoseKeyIsLongerThanTheStoreTakesIsNameTooLongWithoutARequest()
    {
        using var mount = new MountDriver();
        string deep = string.Join('/', Enumerable.Repeat(new string('d', 250), 4));
        foreach (string level in Prefixes(deep)) await mount.MakeDirectoryAsync(level, 0x1ED);
        ulong parent = await mount.ResolveAsync(deep);
        int calls = mount.Store.Calls(StoreOperation.All);

        // 1,003 bytes so far: a 20-byte name fits a file's key exactly, but not a directory marker's.
        string longest = new('f', 1024 - deep.Length - 1);
        var lookup = await Assert.ThrowsAsync<FileSystemException>(async () => await mount.Fs.LookupAsync(parent, longest + "x", CancellationToken.None));
        Assert.Equal(Errno.ENAMETOOLONG, ErrnoMapping.For(lookup, NullLogger.Instance));
        var mkdir = await Assert.ThrowsAsync<FileSystemException>(() => mount.MakeDirectoryAsync(deep + "/" + longest, 0x1ED));
        Assert.Equal(Errno.ENAMETOOLONG, ErrnoMapping.For(mkdir, NullLogger.Instance));
        var create = await Assert.ThrowsAsync<FileSystemException>(() => mount.CreateAsync(deep + "/" + longest + "x", 0x1A4, []));
        Assert.Equal(Errno.ENAMETOOLONG, ErrnoMapping.For(create, NullLogger.Instance));
        Assert.Equal(calls, mount.Store.Calls(StoreOperation.All));

        await mount.CreateAsync(deep + "/" + longest, 0x1A4, [7]);
        Assert.NotNull(mount.Store.Find(deep + "/" + longest));
    }

    [Fact]
    public async Task ADirectoryTooLongForS3fsLegacyMarkerIsLookedUpRenamedAndRemoved()
    {
        using var mount = new MountDriver();
        string deep = string.Join('/', Enumerable.Repeat(new string('d', 250), 4));
        foreach (string level in Prefixes(deep)) await mount.MakeDirectoryAsync(level, 0x1ED);
        // 1,023 bytes: its "dir/" marker is a 1,024-byte key, its "dir_$folder$" could not be one.
        string directory = deep + "/" + new string('e', 19);
        await mount.MakeDirectoryAsync(directory, 0x1ED);
        mount.ForgetAll();
        mount.LetExpire();

        Assert.Equal(0x4000u, (await mount.StatAsync(directory)).Mode & 0xF000);
        Assert.Null(await mount.LookupAsync(await mount.ResolveAsync(deep), new string('g', 19)));
        await mount.RenameAsync(directory, deep + "/" + new string('r', 19));
        await mount.RemoveDirectoryAsync(deep + "/" + new string('r', 19));
        Assert.DoesNotContain(mount.Store.Snapshot().Keys, k => k.Contains("eee") || k.Contains("rrr"));
    }

    [Fact]
    public void AMountBelowAPrefixHasTheRestOfTheKeyLength()
    {
        var limits = StoreLimits.S3.Below("team/αβ/");
        Assert.Equal(1024 - 10, limits.KeyBytes);
        Assert.True(limits.KeyFits(new string('a', 1013), "/"));
        Assert.False(limits.KeyFits(new string('é', 508)));
    }

    [Fact]
    public async Task TimesAndModeSetOnTheRootAreKeptForTheMountWithoutAWrite()
    {
        using var mount = new MountDriver();
        var change = new SetAttrRequest { Valid = SetAttrValid.Mtime | SetAttrValid.Mode, Mtime = new UnixTime(1_600_000_000, 0), Mode = 0x1C0 };
        await mount.Fs.SetAttributesAsync(1, change, CancellationToken.None);

        var root = await mount.StatAsync("");
        Assert.Equal(1_600_000_000ul, root.Mtime);
        Assert.Equal(0x4000u | 0x1C0, root.Mode);
        Assert.Equal(0, mount.Store.Calls(StoreOperation.AnyWrite));
    }

    [Fact]
    public async Task NamesMadeWhileUnpackingIntoANewDirectoryCostNoLookupRequests()
    {
        using var mount = new MountDriver();
        await mount.MakeDirectoryAsync("unpacked", 0x1ED);
        ulong directory = await mount.ResolveAsync("unpacked");
        int lookups = mount.Store.Calls(StoreOperation.Head | StoreOperation.List);
        for (int i = 0; i < 5; i++)
        {
            var missing = await mount.Fs.LookupAsync(directory, $"f{i}", CancellationToken.None);
            Assert.False(missing.Exists);
            // Not kept by the kernel: the next lookup of the name asks again.
            Assert.Equal(TimeSpan.Zero, missing.Ttl);
            await mount.CreateAsync($"unpacked/f{i}", 0x1A4, [(byte)i]);
        }
        Assert.Equal(lookups, mount.Store.Calls(StoreOperation.Head | StoreOperation.List));
    }

    [Fact]
    public async Task AFileAnotherClientPutsInADirectoryJustMadeShowsWellWithinTheTtl()
    {
        using var mount = new MountDriver();
        await mount.MakeDirectoryAsync("fresh", 0x1ED);
        mount.Store.PutDirect("fresh/theirs", "x"u8);
        // Past the short window of the mount's own filling, far short of the metadata TTL.
        mount.Time.Advance(MountDriver.Ttl / 10 + TimeSpan.FromMilliseconds(1));
        var found = await mount.LookupAsync(await mount.ResolveAsync("fresh"), "theirs");
        Assert.Equal(File, found!.Value.Attr.Mode & 0xF000);
    }

    private static IEnumerable<string> Prefixes(string path)
    {
        for (int i = path.IndexOf('/'); i > 0; i = path.IndexOf('/', i + 1)) yield return path[..i];
        yield return path;
    }
}
