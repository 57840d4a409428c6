namespace Bucketfs.Integration.Tests;

/// <summary>What stat shows of a name changed through the mount never goes back to an older value, whatever listings run around it.</summary>
public sealed class AttributeStabilityTests
{
    private const int Changes = 1000;

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task AChmodIsNeverFollowedByTheOldModeAcrossRelistingsAndExpiry(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        // A folder used enough to be listed again in the background as its names expire (see DirectoryRelisting).
        await store.PutManyAsync(bucket, Enumerable.Range(0, 40).Select(i => ($"dir/f{i:D2}", new byte[] { 1 })));
        // With user.* xattrs served, as s3fs's use_xattr: where the revert was seen.
        using var mount = BucketMount.Start(store, bucket, "--xattr", "--metadata-ttl", "0.2");
        string target = mount["dir/changed"];
        File.WriteAllBytes(target, []);

        // Another process lists and stats the folder all the while, as ls -l and a job's workers would.
        using var stop = new CancellationTokenSource();
        var lister = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                foreach (var file in Directory.GetFiles(mount["dir"])) _ = File.GetUnixFileMode(file);
        });
        var modes = new[] { UnixFileMode.UserRead | UnixFileMode.UserWrite, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead };
        try
        {
            for (int i = 0; i < Changes; i++)
            {
                var mode = modes[i % 2];
                File.SetUnixFileMode(target, mode);
                // Right away, after a listing of its folder, and after the kernel's copy has expired.
                Assert.Equal(mode, File.GetUnixFileMode(target));
                Assert.Contains(target, Directory.GetFiles(mount["dir"]));
                Assert.Equal(mode, File.GetUnixFileMode(target));
                if (i % 50 == 0) mount.WaitPastMetadataTtl();
                Assert.True(File.GetUnixFileMode(target) == mode, $"change {i}: mode {File.GetUnixFileMode(target)} after chmod to {mode}");
            }
        }
        finally
        {
            stop.Cancel();
            await lister;
        }
    }
}
