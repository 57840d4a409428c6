using Amazon.S3.Model;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// s3fs's options that change how data is stored reach every request that writes, copies or reads
/// an object: seen at a proxy in front of the store, and on the stored objects where the local
/// stores support them (the ACL on Ceph; SSE-C on Swift, which takes the headers). Where a store
/// refuses them (SSE-S3 and SSE-KMS over plain http), the write fails: data is never stored
/// unencrypted in their place.
/// </summary>
public sealed class StoredFormTests
{
    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task StorageClassAclAndRequesterPaysGoWithEveryWriteAndCopy(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var proxy = new HttpFaultProxy(store.Endpoint);
        using (var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "-o", "storage_class=standard,default_acl=public-read,requester_pays"))
        {
            File.WriteAllText(mount["small.txt"], "small");
            File.WriteAllBytes(mount["large.bin"], new byte[20 << 20]);
            File.SetUnixFileMode(mount["small.txt"], UnixFileMode.UserRead);
        }
        // Every attempt counts: a loaded store may see a write retried.
        var writes = proxy.Seen.Where(r => r.Method == "PUT" && r.Target.EndsWith("/small.txt", StringComparison.Ordinal)
            || r.Method == "POST" && r.Target.Contains("/large.bin?uploads", StringComparison.Ordinal)).ToList();
        Assert.Contains(writes, r => r.Method == "PUT" && r["x-amz-copy-source"] is null);
        Assert.Contains(writes, r => r.Method == "PUT" && r["x-amz-copy-source"] is not null);
        Assert.Contains(writes, r => r.Method == "POST");
        foreach (var write in writes)
        {
            Assert.Equal("STANDARD", write["x-amz-storage-class"]);
            Assert.Equal("public-read", write["x-amz-acl"]);
        }
        Assert.All(proxy.Seen, r => Assert.Equal("requester", r["x-amz-request-payer"]));
        if (storeName == "ceph")
        {
            var acl = await store.Client.GetObjectAclAsync(new GetObjectAclRequest { BucketName = bucket, Key = "small.txt" });
            Assert.Contains(acl.Grants, g => g.Grantee.URI?.EndsWith("/AllUsers", StringComparison.Ordinal) == true && g.Permission.Value == "READ");
        }
    }

    [Theory]
    [MemberData(nameof(TestStore.All), MemberType = typeof(TestStore))]
    public async Task SseCKeyGoesWithEveryWriteCopyAndRead(string storeName)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        string keyFile = Path.Combine(folder.Path, "sse-c.key");
        File.WriteAllText(keyFile, new string('k', 32) + "\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string md5 = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(new string('k', 32))));
        using var proxy = new HttpFaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "-o", $"use_sse=custom:{keyFile}", "--metadata-ttl", "0.2");

        bool stored = TryWrite(mount["secret.txt"], "encrypted at rest");

        var puts = proxy.Seen.Where(r => r.Method == "PUT" && r.Target.EndsWith("/secret.txt", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(puts);
        Assert.All(puts, put => Assert.Equal(("AES256", md5), (put["x-amz-server-side-encryption-customer-algorithm"], put["x-amz-server-side-encryption-customer-key-md5"])));
        if (!stored)
        {
            // Ceph takes SSE-C only over https: the write fails rather than storing the data unencrypted.
            Assert.Null(await store.GetAsync(bucket, "secret.txt"));
            File.Delete(mount["secret.txt"]);
            return;
        }
        mount.WaitPastMetadataTtl();
        Assert.Equal("encrypted at rest", File.ReadAllText(mount["secret.txt"]));
        File.SetUnixFileMode(mount["secret.txt"], UnixFileMode.UserRead);
        var reads = proxy.Seen.Where(r => r.Method is "GET" or "HEAD" && r.Target.EndsWith("/secret.txt", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(reads);
        Assert.All(reads, r => Assert.Equal(md5, r["x-amz-server-side-encryption-customer-key-md5"]));
        var copy = Assert.Single(proxy.Seen, r => r["x-amz-copy-source"] is not null);
        Assert.Equal(md5, copy["x-amz-server-side-encryption-customer-key-md5"]);
        Assert.Equal(md5, copy["x-amz-copy-source-server-side-encryption-customer-key-md5"]);
    }

    [Theory]
    [InlineData("ceph", "use_sse", "AES256", null)]
    [InlineData("swift", "use_sse=1", "AES256", null)]
    [InlineData("ceph", "use_sse=kmsid:key-1", "aws:kms", "key-1")]
    public async Task SseS3AndKmsAreAskedForAndNeverDroppedWhenTheStoreRefusesThem(string storeName, string option, string method, string? kmsKey)
    {
        var store = TestStore.Get(storeName);
        string bucket = await store.NewBucketAsync();
        using var proxy = new HttpFaultProxy(store.Endpoint);
        using var mount = BucketMount.StartAt(store, proxy.Endpoint, bucket, "-o", option);

        Assert.False(TryWrite(mount["secret.txt"], "encrypted at rest"), "these stores refuse SSE-S3 and SSE-KMS over http");

        var puts = proxy.Seen.Where(r => r.Method == "PUT" && r.Target.EndsWith("/secret.txt", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(puts);
        Assert.All(puts, put => Assert.Equal((method, kmsKey), (put["x-amz-server-side-encryption"], put["x-amz-server-side-encryption-aws-kms-key-id"])));
        Assert.Null(await store.GetAsync(bucket, "secret.txt"));
        File.Delete(mount["secret.txt"]);
    }

    /// <summary>Writes, fsyncs and closes with raw calls (.NET ignores what close(2) returns); false when the upload they make failed.</summary>
    private static bool TryWrite(string path, string text)
    {
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT, 0x1A4);
        Assert.True(fd >= 0);
        var data = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.Equal(data.Length, (int)Libc.Write(fd, data, data.Length));
        bool synced = Libc.Fsync(fd) == 0;
        bool closed = Libc.Close(fd) == 0;
        return synced && closed;
    }
}
