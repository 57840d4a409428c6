using System.Runtime.InteropServices;

namespace Bucketfs.Cli;

/// <summary>
/// Users and groups by name, looked up through the C library, so every source the machine is set
/// up with (/etc/passwd, LDAP, the rest of NSS) counts, as it does for chown.
/// </summary>
internal static unsafe partial class Accounts
{
    public static uint? UserId(string name) => Id(GetPwNam(name));

    public static uint? GroupId(string name) => Id(GetGrNam(name));

    private static uint? Id(Head* entry) => entry == null ? null : entry->Id;

    /// <summary>How struct passwd and struct group both begin: name, password, then the id.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Head
    {
        public nint Name;
        public nint Password;
        public uint Id;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Head* GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial Head* GetGrNam(string name);
}
