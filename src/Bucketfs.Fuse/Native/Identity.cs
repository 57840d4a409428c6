namespace Bucketfs.Fuse.Native;

/// <summary>Who this process runs as.</summary>
public static class Identity
{
    public static uint Uid => LibC.GetEffectiveUid();

    public static uint Gid => LibC.GetEffectiveGid();

    public static bool IsRoot => Uid == 0;
}
