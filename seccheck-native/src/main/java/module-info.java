/**
 * The FFM binding layer: the only module granted native access ({@code --enable-native-access=
 * dev.seccheck.linux}). It knows nothing of seccheck itself, only Linux.
 */
module dev.seccheck.linux {
    requires transitive dev.seccheck.abi;

    exports dev.seccheck.linux;
}
