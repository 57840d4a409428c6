using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// `seed`: makes the bucket hold the layout asked for (a large file, N small objects in one folder,
/// N ML files in 10 class folders, then manifest.json), uploading only what is missing or of another
/// size, and prints the manifest.
/// </summary>
internal static class Seed
{
    private const int PartBytes = 16 << 20;

    public static async Task<int> RunAsync(Args args)
    {
        var want = new Manifest
        {
            LargeBytes = (long)args.Int("large-mib", 2048) << 20,
            SmallCount = args.Int("small", 10_000),
            SmallBytes = args.Int("small-bytes", 1024),
            MlCount = args.Int("ml", 10_000),
            MlBytes = args.Int("ml-bytes", 100 << 10),
        };
        int parallel = args.Int("parallel", 16);
        using var store = new Store(args);
        var clock = Stopwatch.StartNew();
        await store.EnsureBucketAsync();

        string? text = await store.TryGetTextAsync(Layout.ManifestKey);
        var have = text == null ? null : Manifest.Parse(text);
        if (have != null && have.SameLayout(want) && !args.Flag("force"))
        {
            Console.Error.WriteLine($"seed: bucket {store.Bucket} already holds this layout");
            Console.Out.WriteLine(have.ToJson());
            return 0;
        }

        // What is there now; the manifest goes first so a half-done seed is never taken as complete.
        var present = (await store.ListKeysAsync("")).ToHashSet(StringComparer.Ordinal);
        if (present.Remove(Layout.ManifestKey)) await store.Client.DeleteObjectAsync(store.Bucket, Layout.ManifestKey);

        var smallKeys = Enumerable.Range(0, want.SmallCount).Select(Layout.SmallKey).ToList();
        var mlKeys = Enumerable.Range(0, want.MlCount).Select(Layout.MlKey).ToList();
        var wanted = new HashSet<string>(smallKeys.Concat(mlKeys).Append(Layout.LargeKey), StringComparer.Ordinal);
        var extra = present.Where(k => !wanted.Contains(k)).ToList();
        await store.DeleteAsync(extra);
        Console.Error.WriteLine($"seed: deleted {extra.Count} keys of another layout");

        // A component whose object size changed is written again whole.
        bool sameSmall = have != null && have.SmallBytes == want.SmallBytes;
        bool sameMl = have != null && have.MlBytes == want.MlBytes;
        bool sameLarge = have != null && have.LargeBytes == want.LargeBytes && present.Contains(Layout.LargeKey);

        var hashing = Task.Run(() => LargeSha256(want.LargeBytes));
        if (!sameLarge)
        {
            await UploadLargeAsync(store, want.LargeBytes, Math.Min(parallel, 6));
            Console.Error.WriteLine($"seed: large.bin, {want.LargeBytes >> 20} MiB, at {clock.Elapsed.TotalSeconds:0.0} s");
        }
        var puts = smallKeys.Where(k => !sameSmall || !present.Contains(k)).Select(k => (k, want.SmallBytes))
            .Concat(mlKeys.Where(k => !sameMl || !present.Contains(k)).Select(k => (k, want.MlBytes))).ToList();
        await PutAllAsync(store, puts, parallel);
        Console.Error.WriteLine($"seed: {puts.Count} small objects at {clock.Elapsed.TotalSeconds:0.0} s");

        var manifest = want with { LargeSha256 = await hashing };
        byte[] json = System.Text.Encoding.UTF8.GetBytes(manifest.ToJson());
        await store.PutAsync(Layout.ManifestKey, json, json.Length);
        Console.Error.WriteLine($"seed: done in {clock.Elapsed.TotalSeconds:0.0} s");
        Console.Out.WriteLine(manifest.ToJson());
        return 0;
    }

    public static string LargeSha256(long size)
    {
        ulong seed = Content.SeedOf(Layout.LargeKey);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[4 << 20];
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, size - offset);
            Content.Fill(seed, offset, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task UploadLargeAsync(Store store, long size, int parallel)
    {
        ulong seed = Content.SeedOf(Layout.LargeKey);
        var init = await store.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = store.Bucket, Key = Layout.LargeKey });
        int parts = (int)((size + PartBytes - 1) / PartBytes);
        var etags = new PartETag[parts];
        int next = -1;
        async Task Worker()
        {
            var buffer = new byte[PartBytes];
            for (int p; (p = Interlocked.Increment(ref next)) < parts;)
            {
                long offset = (long)p * PartBytes;
                int n = (int)Math.Min(PartBytes, size - offset);
                Content.Fill(seed, offset, buffer.AsSpan(0, n));
                using var body = new MemoryStream(buffer, 0, n, writable: false);
                var r = await store.Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = store.Bucket, Key = Layout.LargeKey, UploadId = init.UploadId, PartNumber = p + 1,
                    InputStream = body, PartSize = n, UseChunkEncoding = false,
                });
                etags[p] = new PartETag(p + 1, r.ETag);
            }
        }
        try
        {
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(Worker)));
            await store.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = store.Bucket, Key = Layout.LargeKey, UploadId = init.UploadId, PartETags = [.. etags],
            });
        }
        catch
        {
            await store.Client.AbortMultipartUploadAsync(store.Bucket, Layout.LargeKey, init.UploadId);
            throw;
        }
    }

    internal static async Task PutAllAsync(Store store, List<(string Key, int Bytes)> puts, int parallel)
    {
        var queue = new ConcurrentQueue<(string Key, int Bytes)>(puts);
        int done = 0;
        async Task Worker()
        {
            var buffer = new byte[puts.Count == 0 ? 0 : puts.Max(p => p.Bytes)];
            while (queue.TryDequeue(out var put))
            {
                Content.Fill(Content.SeedOf(put.Key), 0, buffer.AsSpan(0, put.Bytes));
                await store.PutAsync(put.Key, buffer, put.Bytes);
                int d = Interlocked.Increment(ref done);
                if (d % 5000 == 0) Console.Error.WriteLine($"seed: {d}/{puts.Count} objects");
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(Worker)));
    }
}
