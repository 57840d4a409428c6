using System.Diagnostics;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// `scale-seed`: makes the bucket hold N small objects in each layout asked for (bench/scale), PUTting
/// in parallel only the keys missing (and deleting the layout's keys beyond N), then writes
/// scale-manifest.json and prints it. A layout the manifest already records at this N is not listed again.
/// </summary>
internal static class ScaleSeed
{
    public static async Task<int> RunAsync(Args args)
    {
        var want = new ScaleLayout
        {
            Objects = args.Int("objects", 100_000),
            Bytes = args.Int("bytes", 1024),
            Layouts = args.Get("layouts", "flat,tree").Split(',', StringSplitOptions.RemoveEmptyEntries),
        };
        int parallel = args.Int("parallel", 32);
        using var store = new Store(args);
        var clock = Stopwatch.StartNew();
        await store.EnsureBucketAsync();
        string? text = await store.TryGetTextAsync(ScaleLayout.ManifestKey);
        var have = text == null ? null : ScaleLayout.Parse(text);
        bool sameObjects = have != null && have.Version == want.Version && have.Objects == want.Objects && have.Bytes == want.Bytes;
        var done = sameObjects ? have!.Layouts.ToHashSet() : [];
        var missing = want.Layouts.Where(l => !done.Contains(l)).ToList();
        if (missing.Count == 0)
        {
            Console.Error.WriteLine($"scale-seed: bucket {store.Bucket} already holds {want.Objects} objects in {string.Join(" and ", want.Layouts)}");
            Console.Out.WriteLine(have!.ToJson());
            return 0;
        }

        // The manifest goes first, so a seed interrupted half-way is never taken as complete.
        if (have != null) await store.Client.DeleteObjectAsync(store.Bucket, ScaleLayout.ManifestKey);
        foreach (string layout in missing)
        {
            var present = (await store.ListKeysAsync(ScaleLayout.Prefix(layout))).ToHashSet(StringComparer.Ordinal);
            var keys = Enumerable.Range(0, want.Objects).Select(i => ScaleLayout.Key(layout, i)).ToList();
            bool sameBytes = have != null && have.Bytes == want.Bytes;
            var wanted = keys.ToHashSet(StringComparer.Ordinal);
            var extra = present.Where(k => !wanted.Contains(k)).ToList();
            await store.DeleteAsync(extra);
            var puts = keys.Where(k => !sameBytes || !present.Contains(k)).Select(k => (k, want.Bytes)).ToList();
            Console.Error.WriteLine($"scale-seed: {layout}: {present.Count} keys there, {extra.Count} deleted, {puts.Count} to PUT ({parallel} at a time)");
            await Seed.PutAllAsync(store, puts, parallel);
            Console.Error.WriteLine($"scale-seed: {layout} complete at {clock.Elapsed.TotalSeconds:0.0} s");
        }
        var manifest = want with { Layouts = [.. done.Union(want.Layouts).Order(StringComparer.Ordinal)] };
        byte[] json = System.Text.Encoding.UTF8.GetBytes(manifest.ToJson());
        await store.PutAsync(ScaleLayout.ManifestKey, json, json.Length);
        Console.Error.WriteLine($"scale-seed: done in {clock.Elapsed.TotalSeconds:0.0} s");
        Console.Out.WriteLine(manifest.ToJson());
        return 0;
    }
}
