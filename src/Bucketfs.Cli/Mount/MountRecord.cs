using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bucketfs.Fuse.Native;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// What a running daemon leaves for other bucketfs commands to find from its mountpoint alone: its
/// PID, what it mounts and where it stages files. Written once the mount is ready, removed when the
/// daemon ends; `unmount` uses it to wait for the daemon and name the uploads still pending.
/// </summary>
internal sealed record MountRecord(int Pid, string Mountpoint, string Source, string StagingDirectory)
{
    private static string Folder => Identity.IsRoot
        ? "/run/bucketfs"
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") ?? Path.GetTempPath(), $"bucketfs-{Identity.Uid}");

    private static string PathOf(string mountpoint) =>
        Path.Combine(Folder, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(mountpoint))))[..16].ToLowerInvariant() + ".json");

    /// <summary>Best effort: without a record, `unmount` still unmounts, it only cannot wait for the uploads.</summary>
    public bool Save()
    {
        try
        {
            // Private to the user: other users must not plant or read records (and only its owner may make it so).
            const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(Folder, Private);
            if (File.GetUnixFileMode(Folder) != Private) File.SetUnixFileMode(Folder, Private);
            string path = PathOf(Mountpoint), temporary = path + ".new";
            File.WriteAllText(temporary, JsonSerializer.Serialize(this));
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
            return JsonSerializer.Deserialize<MountRecord>(File.ReadAllText(PathOf(mountpoint)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public bool DaemonRunning => Directory.Exists($"/proc/{Pid}");
}
