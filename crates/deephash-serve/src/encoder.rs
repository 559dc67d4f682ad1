use crate::EncodeError;

/// Turns an uploaded image into a packed binary code.
///
/// The service does not depend on the deep-learning framework: the binary
/// implements this trait with a trained model, tests with a cheap fake. The
/// service calls [`ImageEncoder::encode`] on a blocking thread, at most
/// [`crate::Limits::max_concurrent_inference`] at a time.
pub trait ImageEncoder: Send + Sync + 'static {
    /// Length of the codes this encoder makes, in bits (a multiple of 8).
    fn bits(&self) -> usize;

    /// Encodes the raw bytes of one image file (PNG, JPEG, ...) into `bits / 8`
    /// packed bytes in `numpy.packbits` order. Implementations should decode with
    /// [`crate::decode_image`] so that the pixel limit holds.
    fn encode(&self, image_bytes: &[u8]) -> Result<Vec<u8>, EncodeError>;
}
