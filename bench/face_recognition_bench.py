"""The reference implementation, for `make bench`: Python's face_recognition over the same dlib model.

  throughput FOLDER   embed every photo of the person folders with a process per core; print JSON
                      {photos, detected, seconds, photos_per_second}
  check FOLDER        for each crop in FOLDER/crops.json (the working JPEG childmatch handed to dlib, the box
                      dlib found, childmatch's descriptor), compute face_recognition's descriptor of the same
                      box and print JSON {crops, max_distance, mean_distance}
"""
import json
import math
import multiprocessing
import os
import sys
import time

import face_recognition


def person_photos(root):
    for person in sorted(os.listdir(root)):
        folder = os.path.join(root, person)
        if person.startswith("_") or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            yield os.path.join(folder, name)


def embed(path):
    img = face_recognition.load_image_file(path)
    locations = face_recognition.face_locations(img)  # HOG, upsampled once: the library's default
    return len(face_recognition.face_encodings(img, locations)) > 0


def throughput(root):
    photos = list(person_photos(root))
    with multiprocessing.Pool(os.cpu_count()) as pool:
        pool.map(embed, photos[:2])  # load the models in every worker before timing
        start = time.perf_counter()
        found = pool.map(embed, photos)
        seconds = time.perf_counter() - start
    return {"photos": len(photos), "detected": sum(found), "seconds": seconds,
            "photos_per_second": len(photos) / seconds}


def check(folder):
    crops = json.load(open(os.path.join(folder, "crops.json")))
    distances = []
    for c in crops:
        img = face_recognition.load_image_file(os.path.join(folder, c["file"]))
        left, top, right, bottom = c["box"]
        ours = c["descriptor"]
        theirs = face_recognition.face_encodings(img, [(top, right, bottom, left)], model="small")[0]
        distances.append(math.sqrt(sum((a - b) ** 2 for a, b in zip(ours, theirs))))
    return {"crops": len(distances), "max_distance": max(distances), "mean_distance": sum(distances) / len(distances)}


if __name__ == "__main__":
    mode, folder = sys.argv[1], sys.argv[2]
    print(json.dumps(throughput(folder) if mode == "throughput" else check(folder)))
