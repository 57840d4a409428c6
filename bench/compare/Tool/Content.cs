using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Bucketfs.Bench.Compare;

/// <summary>
/// Deterministic object contents. Word i (8 bytes) of an object whose seed is s is Mix(s, i), so any
/// byte range can be regenerated on its own: a read at any offset can be checked without keeping the
/// data anywhere. The seed of an object is a hash of its key.
/// </summary>
internal static class Content
{
    [ThreadStatic] private static byte[]? t_scratch;

    public static ulong SeedOf(string key)
    {
        ulong h = 14695981039346656037UL; // FNV-1a 64
        foreach (char c in key)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    private static ulong Mix(ulong seed, ulong index)
    {
        ulong z = seed + (index + 1) * 0x9E3779B97F4A7C15UL; // SplitMix64 on a counter
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Writes the object's bytes [offset, offset + destination.Length) into destination.</summary>
    public static void Fill(ulong seed, long offset, Span<byte> destination)
    {
        if (destination.IsEmpty) return;
        long word = offset >> 3;
        int skip = (int)(offset & 7);
        int done = 0;
        Span<byte> one = stackalloc byte[8];
        if (skip != 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(one, Mix(seed, (ulong)word++));
            int n = Math.Min(8 - skip, destination.Length);
            one.Slice(skip, n).CopyTo(destination);
            done = n;
        }
        int whole = (destination.Length - done) >> 3;
        if (whole > 0)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(destination.Slice(done, whole << 3));
            for (int i = 0; i < words.Length; i++)
            {
                ulong v = Mix(seed, (ulong)(word + i));
                words[i] = BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
            }
            word += whole;
            done += whole << 3;
        }
        if (done < destination.Length)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(one, Mix(seed, (ulong)word));
            one[..(destination.Length - done)].CopyTo(destination[done..]);
        }
    }

    /// <summary>True when data equals the object's bytes at offset.</summary>
    /// <summary>Whether a sequential read of the large file got its bytes: by sha256 when it read all of it, else by content.</summary>
    public static (bool Ok, string Check) Verdict(Manifest m, IncrementalHash hash, bool whole, bool contentOk, long total, long expected)
    {
        string sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        bool ok = total == expected && (whole ? sha == m.LargeSha256 : contentOk);
        return (ok, whole ? $"sha256 {(sha == m.LargeSha256 ? "ok" : "MISMATCH")}" : $"first {expected >> 20} MiB only, content {(contentOk ? "ok" : "WRONG")}");
    }

    public static bool Matches(ulong seed, long offset, ReadOnlySpan<byte> data)
    {
        var scratch = t_scratch ??= new byte[256 << 10];
        int done = 0;
        while (done < data.Length)
        {
            int n = Math.Min(scratch.Length, data.Length - done);
            Fill(seed, offset + done, scratch.AsSpan(0, n));
            if (!scratch.AsSpan(0, n).SequenceEqual(data.Slice(done, n))) return false;
            done += n;
        }
        return true;
    }
}

/// <summary>The keys of the seeded bucket.</summary>
internal static class Layout
{
    public const string LargeKey = "large.bin";
    public const string ManifestKey = "manifest.json";
    public const string SmallPrefix = "small/";
    public const string MlPrefix = "ml/";
    public const int MlClasses = 10;

    public static string SmallKey(int i) => $"{SmallPrefix}f-{i:D5}";

    /// <summary>Files go round the classes, so any count fills the 10 folders evenly.</summary>
    public static string MlKey(int i) => $"{MlPrefix}class-{i % MlClasses}/img-{i:D5}.bin";
}
