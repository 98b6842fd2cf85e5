def search(request):
    raise NotImplementedError
