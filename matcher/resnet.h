// resnet.h: the type of dlib's face recognition network, shared by describe.cc and the script that writes
// it as ONNX (scripts/dlib-resnet-dump.cc).
#ifndef CHILDMATCH_RESNET_H
#define CHILDMATCH_RESNET_H
#include <dlib/dnn.h>

namespace cm {
using namespace dlib;

// The network dlib_face_recognition_resnet_model_v1.dat was trained as (a ResNet-29 over a 150 px chip,
// ending in 128 numbers); deserializing needs its exact type. Batch normalisation is stored as affine
// layers, as dlib saves a trained network for inference.
template <int K, typename SUB>
using conv3 = con<K, 3, 3, 1, 1, SUB>;
template <int K, int S, typename SUB>
using pair3 = affine<conv3<K, relu<affine<con<K, 3, 3, S, S, SUB>>>>>;
template <int K, typename SUB>
using same = relu<add_prev1<pair3<K, 1, tag1<SUB>>>>;
template <int K, typename SUB>
using down = relu<add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<pair3<K, 2, tag1<SUB>>>>>>>;
template <typename SUB>
using stage256a = down<256, SUB>;
template <typename SUB>
using stage256 = same<256, same<256, down<256, SUB>>>;
template <typename SUB>
using stage128 = same<128, same<128, down<128, SUB>>>;
template <typename SUB>
using stage64 = same<64, same<64, same<64, down<64, SUB>>>>;
template <typename SUB>
using stage32 = same<32, same<32, same<32, SUB>>>;
using resnet = loss_metric<fc_no_bias<
    128, avg_pool_everything<stage256a<stage256<stage128<stage64<stage32<
             max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

}  // namespace cm
#endif
