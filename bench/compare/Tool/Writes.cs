using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Bucketfs.Bench.Compare;

/// <summary>Write workloads through a mount: timed until close() returns, when bucketfs and s3fs have the data in the bucket.</summary>
internal static class Writes
{
    /// <summary>`write-seq`: create a file and write it in 1 MiB writes, then fsync and close (the upload happens on close for most mounters).</summary>
    public static int Seq(Args args)
    {
        string path = args.Get("file");
        long size = (long)args.Int("mib", 256) << 20;
        var buffer = new byte[1 << 20];
        ulong seed = Content.SeedOf(Path.GetFileName(path));
        var clock = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            for (long offset = 0; offset < size; offset += buffer.Length)
            {
                Content.Fill(seed, offset, buffer);
                RandomAccess.Write(handle, buffer, offset);
            }
            RandomAccess.FlushToDisk(handle);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(size / 1048576.0 / seconds, "MiB/s", true, $"{size >> 20} MiB in 1 MiB writes, fsync, close in {seconds:0.00} s",
            new JsonObject { ["seconds"] = seconds });
    }

    /// <summary>`write-small`: create N files of 4 KiB, one after another (a tool unpacking an archive).</summary>
    public static int Small(Args args)
    {
        string dir = args.Get("dir");
        int count = args.Int("count", 1000);
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(dir);
        for (int i = 0; i < count; i++)
        {
            string name = $"w-{i:D5}";
            Content.Fill(Content.SeedOf(name), 0, buffer);
            File.WriteAllBytes(Path.Combine(dir, name), buffer);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return Result.Print(count / seconds, "files/s", true, $"{count} files of 4 KiB in {seconds:0.00} s",
            new JsonObject { ["seconds"] = seconds });
    }
}
