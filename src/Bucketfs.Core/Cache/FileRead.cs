using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Cache;

internal static class FileRead
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    public static int Fully(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(file, buffer[done..], offset + done);
            if (n == 0) break;
            done += n;
        }
        return done;
    }
}
