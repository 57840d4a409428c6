using System.Diagnostics.Metrics;
using Bucketfs.Core.Namespace;
using Bucketfs.Core.Read;
using Bucketfs.Core.Write;

namespace Bucketfs.Core;

/// <summary>How bucket contents are presented as files.</summary>
public sealed record FilesystemOptions
{
    public uint Uid { get; init; }
    public uint Gid { get; init; }

    /// <summary>Permission bits of files without s3fs mode metadata.</summary>
    public uint FileMode { get; init; } = 0x1A4; // 0644

    /// <summary>Permission bits of directories without s3fs mode metadata.</summary>
    public uint DirectoryMode { get; init; } = 0x1ED; // 0755

    /// <summary>
    /// Owner, group and permission bits shown for every entry, whatever its s3fs metadata says, as
    /// s3fs's -o uid=, gid= and umask= apply them (umask=022 shows 755 everywhere); null keeps what
    /// is stored, with the defaults above for what is not.
    /// </summary>
    public uint? ForcedUid { get; init; }

    /// <inheritdoc cref="ForcedUid"/>
    public uint? ForcedGid { get; init; }

    /// <inheritdoc cref="ForcedUid"/>
    public uint? ForcedPermissions { get; init; }

    /// <summary>Permission bits of the mountpoint itself until it is chmodded (s3fs's mp_umask); null: as any directory.</summary>
    public uint? RootPermissions { get; init; }

    /// <summary>The mime.types file new objects take their Content-Type from (s3fs's -o mime=).</summary>
    public string MimeTypesFile { get; init; } = "/etc/mime.types";

    /// <summary>How long names and attributes are trusted, here and in the kernel; null means forever (immutable data).</summary>
    public TimeSpan? MetadataTtl { get; init; } = TimeSpan.FromSeconds(1);

    public bool ReadOnly { get; init; }

    /// <summary>
    /// Serve user.* extended attributes (s3fs's -o use_xattr). Off, the kernel is told once that
    /// there are none and stops asking: ls -l and every write then cost two requests fewer per file.
    /// </summary>
    public bool Xattrs { get; init; }

    /// <summary>Where files being changed are staged before upload (one folder per bucket and prefix).</summary>
    public string StagingDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "bucketfs-staging");

    /// <summary>Most keys a directory rename may copy; larger renames are refused (EXDEV makes mv copy instead).</summary>
    public int RenameDirectoryLimit { get; init; } = 10_000;

    /// <summary>
    /// Bytes of fetched data and upload parts held at once over all open files (idle buffers
    /// included). With the daemon's own ~100 MiB and what readers overdraw under load, 128 MiB took
    /// 33 readers at once to 248-263 MiB of RSS; 96 keeps them under 256 (MemoryBoundTests), and
    /// still holds a sequential reader's whole 32 MiB window three times over.
    /// </summary>
    public long MemoryLimit { get; init; } = 96L << 20;

    /// <summary>Keys returned per listing request (S3 allows up to 1,000).</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Metadata entries cached at once; the oldest expire first beyond this.</summary>
    public int MetadataCacheCapacity { get; init; } = 200_000;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the filesystem's counters and gauges go (bucketfs.data_cache.*, bucketfs.prefetch.*, ...); null: nowhere.</summary>
    public Meter? Meter { get; init; }

    internal ReadTuning Read { get; init; } = new();

    internal FirstBytesTuning FirstBytes { get; init; } = new();

    internal DirectoryPrefetchTuning DirectoryPrefetch { get; init; } = new();

    internal RelistingTuning Relisting { get; init; } = new();

    internal UploadTuning Upload { get; init; } = new();

    internal ListingHeadersTuning ListingHeaders { get; init; } = new();

    internal MarkerTimesTuning MarkerTimes { get; init; } = new();

    internal TimeSpan KernelTtl => MetadataTtl ?? TimeSpan.FromDays(365);
}
