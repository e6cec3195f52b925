// An independent implementation of MOSIP keymanager's envelope layouts (WIRE.md §1) on the
// JDK's JCE, written the way MOSIP's keymanager does it (RSA/ECB/OAEPWithSHA-256AndMGF1Padding
// with an explicit OAEPParameterSpec naming MGF1-SHA-256; AES/GCM/NoPadding with a
// GCMParameterSpec of 128 bits). Used by crates/kavach-envelope/tests/interop.rs.
//
//   java MosipInterop seal <cert.pem> <ver_r2|aad> <in> <out> [aad-text]
//   java MosipInterop open <key.pem>  <ver_r2|aad> <in> <out> [aad-text]
//
// Envelopes are base64url without padding. Parsing uses fixed offsets from the key size.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

public class MosipInterop {
    static final byte[] VER_R2 = "VER_R2".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SPLITTER = "#KEY_SPLITTER#".getBytes(StandardCharsets.US_ASCII);
    static final OAEPParameterSpec OAEP = new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

    public static void main(String[] args) throws Exception {
        String op = args[0], keyFile = args[1], layout = args[2];
        byte[] in = Files.readAllBytes(Paths.get(args[3]));
        byte[] aad = args.length > 5 ? args[5].getBytes(StandardCharsets.UTF_8) : null;
        byte[] out;
        if (op.equals("seal")) {
            out = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(seal(keyFile, layout, in, aad)).getBytes(StandardCharsets.US_ASCII);
        } else {
            String text = new String(in, StandardCharsets.US_ASCII).trim();
            out = open(keyFile, layout, Base64.getUrlDecoder().decode(text), aad);
        }
        Files.write(Paths.get(args[4]), out);
    }

    static byte[] seal(String certFile, String layout, byte[] data, byte[] aad) throws Exception {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(Paths.get(certFile))));
        byte[] thumbprint = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        KeyGenerator kg = KeyGenerator.getInstance("AES");
        kg.init(256);
        SecretKey session = kg.generateKey();
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, cert.getPublicKey(), OAEP);
        byte[] wrapped = rsa.doFinal(session.getEncoded());
        SecureRandom rng = new SecureRandom();
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (layout.equals("ver_r2")) {
            byte[] salt = new byte[32];
            rng.nextBytes(salt);
            gcm.init(Cipher.ENCRYPT_MODE, session, new GCMParameterSpec(128, Arrays.copyOfRange(salt, 0, 12)));
            gcm.updateAAD(salt);
            byte[] ct = gcm.doFinal(data); // ciphertext || tag
            out.write(VER_R2);
            out.write(thumbprint);
            out.write(wrapped);
            out.write(SPLITTER);
            out.write(salt);
            out.write(ct);
        } else {
            byte[] iv = new byte[16];
            rng.nextBytes(iv);
            gcm.init(Cipher.ENCRYPT_MODE, session, new GCMParameterSpec(128, iv));
            gcm.updateAAD(aad);
            byte[] ct = gcm.doFinal(data);
            out.write(thumbprint);
            out.write(wrapped);
            out.write(SPLITTER);
            out.write(ct);
            out.write(iv);
        }
        return out.toByteArray();
    }

    static byte[] open(String keyFile, String layout, byte[] env, byte[] aad) throws Exception {
        String pem = new String(Files.readAllBytes(Paths.get(keyFile)), StandardCharsets.US_ASCII);
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        int k = (((RSAKey) key).getModulus().bitLength() + 7) / 8;
        int off = layout.equals("ver_r2") ? VER_R2.length + 32 : 32;
        if (layout.equals("ver_r2") && !Arrays.equals(Arrays.copyOfRange(env, 0, 6), VER_R2)) {
            throw new IllegalArgumentException("no VER_R2 header");
        }
        if (!Arrays.equals(Arrays.copyOfRange(env, off + k, off + k + SPLITTER.length), SPLITTER)) {
            throw new IllegalArgumentException("no key splitter at its offset");
        }
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        rsa.init(Cipher.DECRYPT_MODE, key, OAEP);
        SecretKeySpec session = new SecretKeySpec(rsa.doFinal(Arrays.copyOfRange(env, off, off + k)), "AES");
        byte[] block = Arrays.copyOfRange(env, off + k + SPLITTER.length, env.length);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        if (layout.equals("ver_r2")) {
            byte[] salt = Arrays.copyOfRange(block, 0, 32);
            gcm.init(Cipher.DECRYPT_MODE, session, new GCMParameterSpec(128, Arrays.copyOfRange(salt, 0, 12)));
            gcm.updateAAD(salt);
            return gcm.doFinal(block, 32, block.length - 32);
        }
        byte[] iv = Arrays.copyOfRange(block, block.length - 16, block.length);
        gcm.init(Cipher.DECRYPT_MODE, session, new GCMParameterSpec(128, iv));
        if (aad != null) {
            gcm.updateAAD(aad);
        }
        return gcm.doFinal(block, 0, block.length - 16);
    }
}
