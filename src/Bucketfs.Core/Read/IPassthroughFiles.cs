using Microsoft.Win32.SafeHandles;

namespace Bucketfs.Core.Read;

/// <summary>The kernel's registry of files it reads itself for an open handle (FUSE passthrough).</summary>
internal interface IPassthroughFiles
{
    /// <summary>Registers an open file; returns the id an open reply names.</summary>
    int Register(SafeFileHandle file);

    void Unregister(int id);
}
