using System.Runtime.CompilerServices;

namespace Bucketfs.Fuse.Protocol;

/// <summary>Verifies at start-up that every wire struct has the size the kernel ABI fixes.</summary>
internal static class StructSizes
{
    public static void Verify()
    {
        Check<InHeader>(40);
        Check<OutHeader>(16);
        Check<FuseAttr>(88);
        Check<EntryOut>(128);
        Check<AttrOut>(104);
        Check<InitIn>(64);
        Check<InitOut>(64);
        Check<OpenOut>(16);
        Check<ReadIn>(40);
        Check<WriteIn>(40);
        Check<FuseStatfs>(80);
        Check<Dirent>(24);
        Check<SetAttrIn>(88);
        Check<ReleaseIn>(24);
        Check<FlushIn>(24);
        Check<CreateIn>(16);
        Check<MknodIn>(16);
        Check<FallocateIn>(32);
        Check<LseekIn>(24);
        Check<FuseForgetOne>(16);
        Check<NotifyInvalInodeOut>(24);
        Check<NotifyInvalEntryOut>(16);
        Check<NotifyDeleteOut>(24);
        Check<BackingMap>(16);
    }

    private static void Check<T>(int expected) where T : unmanaged
    {
        int actual = Unsafe.SizeOf<T>();
        if (actual != expected)
            throw new InvalidOperationException(
                $"FUSE ABI mismatch: {typeof(T).Name} is {actual} bytes, the kernel expects {expected}");
    }
}
