using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bucketfs.Fuse.Native;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// What a running daemon leaves for other bucketfs commands to find from its mountpoint alone: its
/// PID, what it mounts, where it stages files and logs, and the options it was given. Written once the
/// mount is ready, removed when the daemon ends; `unmount` uses it to wait for the daemon and name the
/// uploads still pending, `list` to describe the mount. Its control socket (`stats`) sits beside it.
/// </summary>
internal sealed record MountRecord(int Pid, string Mountpoint, string Source, string StagingDirectory, string? LogFile = null, string? Options = null)
{
    private static string Folder => Identity.IsRoot
        ? "/run/bucketfs"
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") ?? Path.GetTempPath(), $"bucketfs-{Identity.Uid}");

    private static string PathOf(string mountpoint) => Path.Combine(Folder, NameOf(mountpoint) + ".json");

    /// <summary>Where the daemon serving <paramref name="mountpoint"/> listens for `bucketfs stats`.</summary>
    public static string SocketOf(string mountpoint) => Path.Combine(Folder, NameOf(mountpoint) + ".sock");

    private static string NameOf(string mountpoint) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(mountpoint))))[..16].ToLowerInvariant();

    /// <summary>Best effort: without a record, `unmount` still unmounts, it only cannot wait for the uploads.</summary>
    public bool Save()
    {
        try
        {
            EnsureFolder();
            string path = PathOf(Mountpoint), temporary = path + ".new";
            File.WriteAllText(temporary, JsonSerializer.Serialize(this, CommandJson.Default.MountRecord));
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Creates the records' folder, private to the user: other users must not plant or read records (and only its owner may make it so).</summary>
    public static void EnsureFolder()
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(Folder, Private);
        if (File.GetUnixFileMode(Folder) != Private) File.SetUnixFileMode(Folder, Private);
    }

    /// <summary>Removes the record, unless another daemon has mounted the same place since.</summary>
    public void Remove()
    {
        if (Find(Mountpoint)?.Pid == Pid) File.Delete(PathOf(Mountpoint));
    }

    public static MountRecord? Find(string mountpoint)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathOf(mountpoint)), CommandJson.Default.MountRecord);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public bool DaemonRunning => Directory.Exists($"/proc/{Pid}");
}
