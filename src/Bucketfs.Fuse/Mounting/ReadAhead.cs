using Microsoft.Extensions.Logging;

namespace Bucketfs.Fuse.Mounting;

/// <summary>
/// The kernel sends buffered reads in requests of the mount's readahead size (128 KiB unless
/// changed), whatever INIT negotiated; only root can raise it, through the mount's backing device
/// info in sysfs. Larger readahead means larger and more concurrent READ requests.
/// </summary>
internal static class ReadAhead
{
    public static void Raise(string mountpoint, int kilobytes, ILogger log)
    {
        string? device = MountTable.DeviceAt(mountpoint);
        if (device is null) return;
        string path = $"/sys/class/bdi/{device}/read_ahead_kb";
        try
        {
            File.WriteAllText(path, kilobytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogInformation("Could not raise readahead of {Mountpoint} ({Path}): {Reason}; reads arrive in 128 KiB requests", mountpoint, path, e.Message);
        }
    }
}
